"""One pass over a PDF for everything the extract and segment steps need, in a process pool, and the
`arxiv-digest extract FILE --json` report.
"""

from __future__ import annotations

import atexit
import hashlib
import multiprocessing
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.pdf.figures import TeaserImage, teaser_from_file
from arxiv_digest.pdf.layout import _LAYOUTS, _LAYOUTS_LOCK, PdfInputError, extract_document
from arxiv_digest.pdf.links import find_links
from arxiv_digest.pdf.sections import segment_sections
from arxiv_digest.urls import own_artifacts
from schemas.records import Extraction, Link, Section, Status

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

    extraction = extract_document(pdf_bytes, sha256=sha256, page_cap=page_cap, time_cap_seconds=time_cap_seconds)
    sections = segment_sections(pdf_bytes, extraction) if extraction.status == Status.OK else []
    links = find_links(pdf_bytes, extraction, abstract, title)
    with _LAYOUTS_LOCK:
        _LAYOUTS.pop(sha256, None)  # done with it: a worker should not hold 16 layouts it will never reuse
    return PaperReading(extraction, tuple(sections), tuple(links))


def _read_paper_file(
    path: str, sha256: str, page_cap: int, time_cap_seconds: float, title: str, abstract: str
) -> PaperReading:
    """The pool workers' entry point: they get a path, not the bytes, so a large PDF is not pickled over."""
    return read_paper(Path(path).read_bytes(), sha256=sha256, page_cap=page_cap, time_cap_seconds=time_cap_seconds,
                      title=title, abstract=abstract)


_POOL: ProcessPoolExecutor | None = None
_POOL_WORKERS = 0
_POOL_TASKS = 0
_POOL_LOCK = threading.Lock()
# A worker's memory grows with every PDF it reads (about 0.5 MB a paper with its figure, measured on the corpus:
# 150 MB at the start, 430-510 MB after 650 papers), so the pool is replaced after this many PDFs (reading and
# figure are one each): the old workers finish what they were given and exit, then new ones start small.
RECYCLE_AFTER_TASKS = 200


def extraction_pool(workers: int) -> ProcessPoolExecutor | None:
    """One process pool per process, shared by every extract task thread; None means read in this process.

    Reading a PDF is CPU work under the GIL, so the flow's task threads alone use one core. Workers are
    started with "spawn": forking a process that runs Prefect's threads can copy a held lock into the child.
    Every call is one task for the pool (see RECYCLE_AFTER_TASKS).
    """
    global _POOL, _POOL_WORKERS, _POOL_TASKS
    if workers <= 1:
        return None
    with _POOL_LOCK:
        if _POOL is not None and _POOL_TASKS >= RECYCLE_AFTER_TASKS:
            # Its queued papers are read first (a few seconds at most), so old and new workers never overlap.
            _POOL.shutdown(wait=True)
            _POOL = None
        if _POOL is None or workers != _POOL_WORKERS:
            if _POOL is not None:
                _POOL.shutdown(wait=True)
            _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
            _POOL_WORKERS = workers
            _POOL_TASKS = 0
        _POOL_TASKS += 1
        return _POOL


def shutdown_extraction_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=True, cancel_futures=True)
            _POOL = None


atexit.register(shutdown_extraction_pool)


def submit_paper(
    path: Path, sha256: str, *, workers: int, page_cap: int = 300, time_cap_seconds: float = 60.0,
    title: str = "", abstract: str = "",
) -> Future[PaperReading]:
    """Read one stored PDF in the pool (or here, when ``workers`` <= 1); the future raises what reading raised."""
    args = (str(path), sha256, page_cap, time_cap_seconds, title, abstract)
    pool = extraction_pool(workers)
    if pool is not None:
        return pool.submit(_read_paper_file, *args)
    future: Future[PaperReading] = Future()
    try:
        future.set_result(_read_paper_file(*args))
    except Exception as exc:  # handed to the caller through the future, as the pool does
        future.set_exception(exc)
    return future


def submit_figure(path: Path, *, workers: int, max_side: int, max_bytes: int) -> Future[TeaserImage | None]:
    """Find and render one stored PDF's teaser figure in the pool (or here, when ``workers`` <= 1)."""
    pool = extraction_pool(workers)
    if pool is not None:
        return pool.submit(teaser_from_file, str(path), max_side, max_bytes)
    future: Future[TeaserImage | None] = Future()
    try:
        future.set_result(teaser_from_file(str(path), max_side, max_bytes))
    except Exception as exc:  # handed to the caller through the future, as the pool does
        future.set_exception(exc)
    return future


# What a paper's extraction read beyond its text (sections and links), kept for the segment step that follows
# in this process, so a PDF read in a pool worker is not read again here.
_READINGS: OrderedDict[str, PaperReading] = OrderedDict()
_READINGS_SIZE = 64


def keep_reading(reading: PaperReading) -> None:
    with _LAYOUTS_LOCK:
        _READINGS[reading.extraction.sha256] = reading
        _READINGS.move_to_end(reading.extraction.sha256)
        while len(_READINGS) > _READINGS_SIZE:
            _READINGS.popitem(last=False)


def take_reading(sha256: str) -> PaperReading | None:
    """The sections and links read together with this PDF's extraction in this process, once."""
    with _LAYOUTS_LOCK:
        return _READINGS.pop(sha256, None)


def read_paper_files(paths: Sequence[Path], *, workers: int, page_cap: int = 300) -> list[PaperReading]:
    """Read many PDFs at once (the benchmark's many-paper day); results in the order of ``paths``."""
    futures = []
    for path in paths:
        sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        futures.append(submit_paper(Path(path), sha, workers=workers, page_cap=page_cap))
    return [future.result() for future in futures]


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
        extraction = extract_document(pdf_bytes, sha256=sha, page_cap=page_cap, time_cap_seconds=time_cap_seconds)
        sections = segment_sections(pdf_bytes, extraction) if extraction.status == Status.OK else []
        links = find_links(pdf_bytes, extraction)
    except PdfInputError as exc:
        return {"error": str(exc), "kind": exc.kind, "file": str(path)}, 2
    except PdfExtractionError as exc:
        return {"error": str(exc), "kind": "corrupt", "file": str(path)}, 2
    if time.perf_counter() - started > time_cap_seconds:
        message = f"extraction took longer than the {time_cap_seconds:g} s time cap"
        return {"error": message, "kind": "timeout", "file": str(path)}, 2
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
