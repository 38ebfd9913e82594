"""Step 3c, figure: each paper's teaser figure, found, rendered and stored once per PDF and finder version."""

from __future__ import annotations

from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.files import write_content_addressed
from arxiv_digest.pdf.figures import FIGURE_METHOD_VERSION, TeaserImage
from arxiv_digest.runtime import Runtime, reading_pool
from schemas.records import Figure, Status


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
