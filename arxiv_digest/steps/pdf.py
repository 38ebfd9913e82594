"""Steps 3a and 3b, extract and segment: read each stored PDF once (cached by content hash and extractor version),
store its text, sections and links, record the step."""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.pdf.layout import (
    EXTRACTOR_VERSION,
)
from arxiv_digest.pdf.reading import read_sections_and_links
from arxiv_digest.runtime import Runtime, kept_readings, reading_pool
from schemas.records import Extraction, Status


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
