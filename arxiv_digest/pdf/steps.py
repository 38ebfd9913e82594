"""The per-paper extract, segment and figure steps: read the stored PDF once (cached by content hash and extractor
version), store text, sections and links, record the step; then the teaser figure, once per PDF and finder version.
"""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.files import write_content_addressed
from arxiv_digest.pdf.figures import FIGURE_METHOD_VERSION, TeaserImage
from arxiv_digest.pdf.layout import (
    EXTRACTOR_VERSION,
)
from arxiv_digest.pdf.reading import read_sections_and_links
from arxiv_digest.runtime import Runtime, kept_readings, reading_pool
from schemas.records import Extraction, Figure, Status


def extract_paper(runtime: Runtime, arxiv_id: str, version: int) -> str:
    """Extract one paper's stored PDF (cached by content hash and extractor version); returns the status."""
    settings = runtime.settings
    store = runtime.store()
    pdf = store.pdf(arxiv_id, version)
    if pdf is None or pdf.status != Status.OK or not pdf.sha256 or not pdf.path:
        store.record_step(arxiv_id, version, "extract", Status.SKIPPED, "no PDF")
        return Status.SKIPPED
    if store.extractor_of(pdf.sha256) == EXTRACTOR_VERSION:
        cached = store.extraction(pdf.sha256)
        status = cached.status if cached is not None else Status.OK
        if status != Status.FAILED:
            store.record_step(arxiv_id, version, "extract", status, "cached")
            return status
    paper = store.paper(arxiv_id, version)
    try:
        future = reading_pool().submit_paper(
            Path(pdf.path),
            pdf.sha256,
            workers=settings.extract_workers,
            page_cap=settings.pdf_page_cap,
            time_cap_seconds=settings.extract_time_cap_seconds,
            title=paper.title if paper else "",
            abstract=paper.abstract if paper else "",
        )
        try:
            reading = future.result()
        except BrokenProcessPool as exc:
            # A worker died (MuPDF crashed on this PDF or the process was killed): start a fresh pool for the
            # papers after this one, and fail this paper with a message that says so.
            reading_pool().shutdown()
            raise PdfExtractionError(
                f"the extraction worker process died while reading {pdf.path}; rerun the day to try again"
            ) from exc
        extraction = reading.extraction
    except (PdfExtractionError, OSError) as exc:
        message = str(exc) if isinstance(exc, PdfExtractionError) else f"cannot read {pdf.path}: {exc}"
        failed = Extraction(sha256=pdf.sha256, status=Status.FAILED, pages=0, text_chars=0, has_text_layer=False,
                            error=message)
        with store.batch():
            store.save_extraction(failed, EXTRACTOR_VERSION)
            store.record_step(arxiv_id, version, "extract", Status.FAILED, message)
        if isinstance(exc, OSError):
            raise PdfExtractionError(message) from exc
        raise
    kept_readings().keep(reading)
    detail = f"{extraction.pages} pages, {extraction.text_chars} chars"
    with store.batch():
        store.save_extraction(extraction, EXTRACTOR_VERSION)
        store.set_pdf_pages(pdf.sha256, extraction.pages)
        store.record_step(arxiv_id, version, "extract", extraction.status, detail)
    return extraction.status


def segment_paper(runtime: Runtime, arxiv_id: str, version: int) -> int:
    """Sections and links of one extracted paper; returns the number of sections (0: nothing to segment)."""
    store = runtime.store()
    pdf = store.pdf(arxiv_id, version)
    if pdf is None or pdf.status != Status.OK or not pdf.sha256 or not pdf.path:
        store.record_step(arxiv_id, version, "segment", Status.SKIPPED, "no PDF")
        return 0
    extraction = store.extraction(pdf.sha256)
    if extraction is None or extraction.status != Status.OK:
        status = extraction.status if extraction is not None else "not extracted"
        store.record_step(arxiv_id, version, "segment", Status.SKIPPED, f"extraction {status}")
        return 0
    current = store.extractor_of(pdf.sha256) == EXTRACTOR_VERSION
    stored = store.sections(pdf.sha256) if current else []
    if stored:
        links = store.links(pdf.sha256)
        detail = f"cached: {len(stored)} sections, {len(links)} links"
        store.record_step(arxiv_id, version, "segment", Status.OK, detail)
        return len(stored)
    reading = kept_readings().take(pdf.sha256)
    if reading is not None and reading.extraction.pages == extraction.pages:
        sections, links = list(reading.sections), list(reading.links)  # read with the text, in the pool
    else:
        pdf_bytes = Path(pdf.path).read_bytes()
        paper = store.paper(arxiv_id, version)
        sections, links = read_sections_and_links(pdf_bytes, extraction, abstract=paper.abstract if paper else "",
                                                  title=paper.title if paper else "")
    with store.batch():
        store.save_sections(pdf.sha256, sections)
        store.save_links(pdf.sha256, links)
        store.record_step(arxiv_id, version, "segment", Status.OK, f"{len(sections)} sections, {len(links)} links")
    return len(sections)


def figure_paper(runtime: Runtime, arxiv_id: str, version: int) -> str:
    """Find, render and store one paper's teaser figure (once per PDF and finder version); returns the status.

    No figure found with confidence is not a failure (SKIPPED); an unreadable PDF is (FAILED, retried next run).
    """
    settings = runtime.settings
    store = runtime.store()
    if not settings.wants_figures:
        off = "teaser_figures is off" if not settings.teaser_figures else "figures_for is 'none'"
        store.record_step(arxiv_id, version, "figure", Status.SKIPPED, off)
        return Status.SKIPPED
    pdf = store.pdf(arxiv_id, version)
    if pdf is None or pdf.status != Status.OK or not pdf.sha256 or not pdf.path:
        store.record_step(arxiv_id, version, "figure", Status.SKIPPED, "no PDF")
        return Status.SKIPPED
    extraction = store.extraction(pdf.sha256)
    if extraction is not None and extraction.status == Status.FAILED:
        # The extract step already reported this PDF; reading it again would only repeat its error.
        store.record_step(arxiv_id, version, "figure", Status.SKIPPED, "extraction failed")
        return Status.SKIPPED
    stored = store.figure(pdf.sha256)
    if stored is not None and stored.method == FIGURE_METHOD_VERSION and _still_there(stored):
        status = Status.OK if stored.status == Status.OK else Status.SKIPPED
        store.record_step(arxiv_id, version, "figure", status, f"cached: {_figure_detail(stored)}")
        return status
    try:
        try:
            teaser = reading_pool().submit_figure(Path(pdf.path), workers=settings.extract_workers,
                                   max_side=settings.figure_max_side_px, max_bytes=settings.figure_max_bytes).result()
        except BrokenProcessPool as exc:
            reading_pool().shutdown()
            raise PdfExtractionError(
                f"the worker process died while looking for the figure in {pdf.path}; rerun the day to try again"
            ) from exc
    except Exception as exc:  # MuPDF's own errors have no common base class: any is this paper's failure
        message = f"cannot look for a figure in {pdf.path}: {type(exc).__name__}: {exc}"
        failed = Figure(pdf.sha256, FIGURE_METHOD_VERSION, Status.FAILED, arxiv_id, version, detail=message[:500])
        with store.batch():
            store.save_figure(failed)
            store.record_step(arxiv_id, version, "figure", Status.FAILED, message)
        raise PdfExtractionError(message) from exc
    figure = _stored_figure(teaser, settings.figure_dir, pdf.sha256, arxiv_id, version)
    status = Status.OK if figure.status == Status.OK else Status.SKIPPED
    with store.batch():
        store.save_figure(figure)
        store.record_step(arxiv_id, version, "figure", status, _figure_detail(figure))
    return status


def _still_there(figure: Figure) -> bool:
    """A stored figure whose image file was deleted is made again; 'none' and a failure are kept as they are,
    except that a failure is tried again."""
    if figure.status == Status.OK:
        return bool(figure.path) and Path(figure.path).is_file()  # type: ignore[arg-type]
    return figure.status != Status.FAILED


def _stored_figure(teaser: TeaserImage | None, figure_dir: Path, pdf_sha256: str, arxiv_id: str,
                   version: int) -> Figure:
    if teaser is None:
        return Figure(pdf_sha256, FIGURE_METHOD_VERSION, _NO_FIGURE, arxiv_id, version,
                      detail="no figure found with confidence")
    crop, image = teaser.crop, teaser.image
    file_sha, path = write_content_addressed(figure_dir, image.data, image.extension)
    return Figure(pdf_sha256, FIGURE_METHOD_VERSION, Status.OK, arxiv_id, version, page=crop.page + 1,
                  number=crop.number, bbox=crop.bbox, caption=crop.caption, file_sha256=file_sha, path=str(path),
                  width=image.width, height=image.height, bytes=len(image.data))


def _figure_detail(figure: Figure) -> str:
    if figure.status != Status.OK:
        return figure.detail or figure.status
    return f"figure {figure.number} on page {figure.page}, {figure.width}x{figure.height} px, {figure.bytes} bytes"


_NO_FIGURE = "none"
