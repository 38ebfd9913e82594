"""One pass over a PDF for everything the extract and segment steps need, in a process pool, and the
`arxiv-digest extract FILE --json` report.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.pdf.figures import TeaserImage, teaser_from_file
from arxiv_digest.pdf.layout import PdfInputError, extraction_of, read_document
from arxiv_digest.pdf.links import links_in
from arxiv_digest.pdf.sections import extraction_layout, sections_from_layout
from arxiv_digest.urls import own_artifacts
from schemas.records import Extraction, Link, Section, Status

_Read = TypeVar("_Read")

# -- reading a paper in a worker process ------------------------------------------------------------------


@dataclass(frozen=True)
class PaperReading:
    """Everything the extract and segment steps learn from one PDF, computed in one pass over its layout."""

    extraction: Extraction
    sections: tuple[Section, ...]
    links: tuple[Link, ...]


def read_paper(
    pdf_bytes: bytes, *, sha256: str, page_cap: int, time_cap_seconds: float, title: str = "", abstract: str = ""
) -> PaperReading:
    """Extraction, sections and links of one PDF (pure: bytes in, records out); raises PdfExtractionError."""
    started = time.perf_counter()
    layout = read_document(pdf_bytes, page_cap=page_cap, time_cap_seconds=time_cap_seconds)
    extraction = extraction_of(layout, sha256=sha256, started=started)
    sections = sections_from_layout(layout) if extraction.status == Status.OK else []
    links = links_in(layout if extraction.status == Status.OK else None, abstract, title)
    return PaperReading(extraction, tuple(sections), tuple(links))


def read_sections_and_links(
    pdf_bytes: bytes, extraction: Extraction, *, abstract: str = "", title: str = ""
) -> tuple[list[Section], list[Link]]:
    """Sections and links of an extracted PDF read again (a rerun in a new process): one layout for both."""
    if extraction.status != Status.OK:
        return [], links_in(None, abstract, title)
    layout = extraction_layout(pdf_bytes, extraction)
    return sections_from_layout(layout), links_in(layout, abstract, title)


def _read_paper_file(
    path: str, sha256: str, page_cap: int, time_cap_seconds: float, title: str, abstract: str
) -> PaperReading:
    """The pool workers' entry point: they get a path, not the bytes, so a large PDF is not pickled over."""
    return read_paper(Path(path).read_bytes(), sha256=sha256, page_cap=page_cap, time_cap_seconds=time_cap_seconds,
                      title=title, abstract=abstract)


# A worker's memory grows with every PDF it reads (about 0.5 MB a paper with its figure, measured on the corpus:
# 150 MB at the start, 430-510 MB after 650 papers), so the pool is replaced after this many PDFs (reading and
# figure are one each): the old workers finish what they were given and exit, then new ones start small.
RECYCLE_AFTER_TASKS = 200


class ReadingPool:
    """A process pool that reads PDFs, shared by every extract and figure task thread of a process.

    Reading a PDF is CPU work under the GIL, so the flow's task threads alone use one core. The runtime holds the
    process's one pool (runtime.reading_pool); a test or a benchmark makes its own. Workers are started with
    "spawn": forking a process that runs Prefect's threads can copy a held lock into the child. Every submission
    is one task for the pool (see RECYCLE_AFTER_TASKS).
    """

    def __init__(self, recycle_after: int = RECYCLE_AFTER_TASKS) -> None:
        self.recycle_after = recycle_after
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._workers = 0
        self._tasks = 0

    def executor(self, workers: int) -> ProcessPoolExecutor | None:
        """The pool of ``workers`` processes, counting one more task; None means read in this process."""
        if workers <= 1:
            return None
        with self._lock:
            if self._executor is not None and self._tasks >= self.recycle_after:
                # Its queued papers are read first (a few seconds at most), so old and new workers never overlap.
                self._executor.shutdown(wait=True)
                self._executor = None
            if self._executor is None or workers != self._workers:
                if self._executor is not None:
                    self._executor.shutdown(wait=True)
                self._executor = ProcessPoolExecutor(max_workers=workers,
                                                     mp_context=multiprocessing.get_context("spawn"))
                self._workers = workers
                self._tasks = 0
            self._tasks += 1
            return self._executor

    def shutdown(self) -> None:
        """Stop the workers (a broken pool, the end of a benchmark, the process's exit); the next task starts new."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def _submit(self, workers: int, read: Callable[..., _Read], *args: object) -> Future[_Read]:
        executor = self.executor(workers)
        if executor is not None:
            return executor.submit(read, *args)
        future: Future[_Read] = Future()
        try:
            future.set_result(read(*args))
        except Exception as exc:  # handed to the caller through the future, as the pool does
            future.set_exception(exc)
        return future

    def submit_paper(
        self, path: Path, sha256: str, *, workers: int, page_cap: int = 300, time_cap_seconds: float = 60.0,
        title: str = "", abstract: str = "",
    ) -> Future[PaperReading]:
        """Read one stored PDF in the pool (or here, when ``workers`` <= 1); the future raises what reading raised."""
        return self._submit(workers, _read_paper_file, str(path), sha256, page_cap, time_cap_seconds, title, abstract)

    def submit_figure(self, path: Path, *, workers: int, max_side: int, max_bytes: int) -> Future[TeaserImage | None]:
        """Find and render one stored PDF's teaser figure in the pool (or here, when ``workers`` <= 1)."""
        return self._submit(workers, teaser_from_file, str(path), max_side, max_bytes)

    def read_paper_files(self, paths: Sequence[Path], *, workers: int, page_cap: int = 300) -> list[PaperReading]:
        """Read many PDFs at once (the benchmark's many-paper day); results in the order of ``paths``."""
        futures = []
        for path in paths:
            sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            futures.append(self.submit_paper(Path(path), sha, workers=workers, page_cap=page_cap))
        return [future.result() for future in futures]


class KeptReadings:
    """What a paper's extraction read beyond its text (sections and links), kept for the segment step that follows
    in this process, so a PDF read in a pool worker is not read again here. The runtime holds the process's one
    (runtime.kept_readings); the last ``size`` readings are kept, each handed out once."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._readings: OrderedDict[str, PaperReading] = OrderedDict()

    def keep(self, reading: PaperReading) -> None:
        with self._lock:
            self._readings[reading.extraction.sha256] = reading
            self._readings.move_to_end(reading.extraction.sha256)
            while len(self._readings) > self.size:
                self._readings.popitem(last=False)

    def take(self, sha256: str) -> PaperReading | None:
        """The sections and links read together with this PDF's extraction in this process, once."""
        with self._lock:
            return self._readings.pop(sha256, None)


# -- the CLI contract -------------------------------------------------------------------------------------


def extract_report(path: Path, *, page_cap: int = 300, time_cap_seconds: float = 60.0) -> tuple[dict, int]:
    """The `arxiv-digest extract FILE.pdf --json` report and its exit code (0, or 2 for a bad PDF)."""

    started = time.perf_counter()
    path = Path(path)
    try:
        pdf_bytes = path.read_bytes()
    except OSError as exc:
        return {"error": f"cannot read {path}: {exc.strerror or exc}", "kind": "missing", "file": str(path)}, 2
    sha = hashlib.sha256(pdf_bytes).hexdigest()
    try:
        reading = read_paper(pdf_bytes, sha256=sha, page_cap=page_cap, time_cap_seconds=time_cap_seconds)
    except PdfInputError as exc:
        return {"error": str(exc), "kind": exc.kind, "file": str(path)}, 2
    except PdfExtractionError as exc:
        return {"error": str(exc), "kind": "corrupt", "file": str(path)}, 2
    if time.perf_counter() - started > time_cap_seconds:
        message = f"extraction took longer than the {time_cap_seconds:g} s time cap"
        return {"error": message, "kind": "timeout", "file": str(path)}, 2
    extraction, sections, links = reading.extraction, reading.sections, reading.links
    urls = list(dict.fromkeys(link.url for link in links))
    artifacts = own_artifacts(links)
    code_urls = list(dict.fromkeys(url for url, kind in artifacts if kind == "code"))
    report = {
        "pages": extraction.pages,
        "text_chars": extraction.text_chars,
        "has_text_layer": extraction.has_text_layer,
        "sections": [
            {"title": s.title, "norm": s.norm, "page": s.page, "level": s.level, "chars": len(s.text)}
            for s in sections
        ],
        "code_urls": code_urls,
        # Everything the paper hands over as its own, by kind: code (and project pages), dataset, model.
        "own_artifacts": [{"url": url, "kind": kind} for url, kind in artifacts],
        "urls": urls,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 3),
    }
    return report, 0
