"""The figure step and its publication: stored once per PDF by content hash, shown in HTML, JSON and (on request)
Markdown, and read back by the digest parser."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pymupdf
import pytest

from arxiv_digest.checks.digest_format import parse_digest
from arxiv_digest.errors import PdfExtractionError
from arxiv_digest.pdf.figures import FIGURE_METHOD_VERSION
from arxiv_digest.pdf.writer import new_page, write_line
from arxiv_digest.publish.feeds import export_json
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.markdown import render_markdown
from arxiv_digest.publish.view import DigestView, PublishedFigure
from arxiv_digest.runtime import Runtime, open_store
from arxiv_digest.settings import Settings
from arxiv_digest.steps.figure import figure_paper
from arxiv_digest.steps.pdf import extract_paper
from arxiv_digest.steps.publish import publish_day
from schemas.records import Analysis, Figure, Paper, PdfFile

DAY = date(2026, 1, 21)
NOW = datetime(2026, 1, 20, tzinfo=UTC)


def _paper_pdf(with_figure: bool = True) -> bytes:
    doc = pymupdf.open()
    page = new_page(doc)
    for i in range(6):
        write_line(page, 72, 110 + 12.5 * i, "Body text of the paper that runs across the whole width of the "
                         "page, as a paragraph does in a one-column layout.", 9.5)
    if with_figure:
        for i in range(4):
            cell = pymupdf.Rect(80 + i * 115, 210, 180 + i * 115, 320)
            page.draw_rect(cell, color=(0.1, 0.3, 0.8), fill=(0.85, 0.9, 1.0))
            write_line(page, cell.x0 + 8, 265, f"Stage {i + 1}", 8)
            if i:
                page.draw_line((cell.x0 - 15, 265), (cell.x0, 265), color=(0, 0, 0))
    write_line(page, 72, 350, 'Figure 1: Overview of <the> method & its "stages".', 9)
    data = doc.tobytes()
    doc.close()
    return data


def _setup(tmp_path: Path, data: bytes, arxiv_id: str = "2601.00001", **settings_values: object) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", **settings_values)  # type: ignore[arg-type]
    store = open_store(settings.db_path)
    sha = hashlib.sha256(data).hexdigest()
    path = tmp_path / f"{sha}.pdf"
    path.write_bytes(data)
    paper = Paper(arxiv_id, 1, "Stages", ("A. Author",), ("cs.CV",), "cs.CV", NOW, NOW, "We stage things.")
    store.upsert_papers([paper])
    store.set_digest_papers(DAY, "cs.CV", [paper])
    store.upsert_pdf(PdfFile(arxiv_id, 1, "ok", sha, str(path), len(data), None, None, NOW))
    return settings


def test_the_figure_is_stored_by_content_hash_once_and_reused(tmp_path: Path) -> None:
    settings = _setup(tmp_path, _paper_pdf())
    store = open_store(settings.db_path)
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "ok"
    pdf = store.pdf("2601.00001", 1)
    figure = store.figure(pdf.sha256)  # type: ignore[union-attr]
    assert figure is not None and figure.status == "ok" and figure.method == FIGURE_METHOD_VERSION
    assert (figure.page, figure.number) == (1, 1)
    assert figure.caption.startswith("Figure 1: Overview of <the> method")
    image = Path(figure.path or "")
    assert image.parent == settings.figure_dir
    assert image.name == f"{hashlib.sha256(image.read_bytes()).hexdigest()}.{image.suffix[1:]}" == \
        f"{figure.file_sha256}{image.suffix}"
    assert figure.bytes == image.stat().st_size <= settings.figure_max_bytes
    assert max(figure.width or 0, figure.height or 0) <= settings.figure_max_side_px
    assert oct(image.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    assert store.step_status("2601.00001", 1, "figure") == "ok"

    before = image.stat().st_mtime_ns
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "ok"  # a rerun renders nothing again
    assert image.stat().st_mtime_ns == before
    assert store.paper_steps(DAY, "cs.CV")[0].detail.startswith("cached")
    assert store.table_counts()["figures"] == 1

    image.unlink()  # a deleted image is made again
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "ok"
    assert image.is_file()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_a_new_finder_version_looks_again(tmp_path: Path) -> None:
    settings = _setup(tmp_path, _paper_pdf())
    store = open_store(settings.db_path)
    sha = store.pdf("2601.00001", 1).sha256  # type: ignore[union-attr]
    store.save_figure(Figure(sha or "", "figure-crop-0", "none", "2601.00001", 1, detail="older finder"))
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "ok"
    assert store.figure(sha or "").method == FIGURE_METHOD_VERSION  # type: ignore[union-attr]


def test_no_figure_is_skipped_not_failed(tmp_path: Path) -> None:
    settings = _setup(tmp_path, _paper_pdf(with_figure=False))
    store = open_store(settings.db_path)
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "skipped"
    assert store.step_status("2601.00001", 1, "figure") == "skipped"
    assert store.digest_figures(DAY, "cs.CV") == {}
    assert not settings.figure_dir.exists() or list(settings.figure_dir.iterdir()) == []


def test_figures_off_or_no_pdf_skip_the_step(tmp_path: Path) -> None:
    settings = _setup(tmp_path, _paper_pdf(), teaser_figures=False)
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "skipped"
    assert figure_paper(Runtime(settings), "2601.00009", 1) == "skipped"
    assert open_store(settings.db_path).table_counts()["figures"] == 0


def test_an_unreadable_pdf_fails_the_step_and_is_tried_again(tmp_path: Path) -> None:
    settings = _setup(tmp_path, b"%PDF-1.7\nbroken beyond repair", extract_workers=1)
    store = open_store(settings.db_path)
    with pytest.raises(PdfExtractionError, match="cannot look for a figure"):
        figure_paper(Runtime(settings), "2601.00001", 1)
    assert store.step_status("2601.00001", 1, "figure") == "failed"
    with pytest.raises(PdfExtractionError):  # a failure is not cached: the next run tries again
        figure_paper(Runtime(settings), "2601.00001", 1)


def test_a_pdf_whose_extraction_failed_is_not_read_again_for_its_figure(tmp_path: Path) -> None:
    settings = _setup(tmp_path, b"%PDF-1.7\nbroken beyond repair", extract_workers=1)
    store = open_store(settings.db_path)
    with pytest.raises(PdfExtractionError):
        extract_paper(Runtime(settings), "2601.00001", 1)
    assert figure_paper(Runtime(settings), "2601.00001", 1) == "skipped"
    step = next(s for s in store.paper_steps(DAY, "cs.CV") if s.step == "figure")
    assert (step.status, step.detail) == ("skipped", "extraction failed")
    assert store.table_counts()["figures"] == 0


def test_publish_shows_the_figure_in_html_and_json_and_keeps_markdown_plain(tmp_path: Path) -> None:
    settings = _setup(tmp_path, _paper_pdf(), extract_workers=1)
    store = open_store(settings.db_path)
    store.set_digest_analysis(DAY, "cs.CV", Analysis("2601.00001", 1, "method", "extractive", "zh", "分析。"),
                              "extractive")
    figure_paper(Runtime(settings), "2601.00001", 1)
    stored = store.figure(store.pdf("2601.00001", 1).sha256 or "")  # type: ignore[union-attr]
    published = publish_day(Runtime(settings), DAY, "cs.CV")

    folder = published.path.parent
    name = Path(stored.path or "").name  # type: ignore[union-attr]
    assert (folder / "figures" / name).read_bytes() == Path(stored.path or "").read_bytes()  # type: ignore[union-attr]
    page = published.path.with_suffix(".html").read_text(encoding="utf-8")
    assert f'<img src="figures/{name}"' in page and 'loading="lazy"' in page
    assert "Overview of &lt;the&gt; method &amp; its &quot;stages&quot;" in page
    assert "<the>" not in page
    record = json.loads(published.path.with_suffix(".json").read_text(encoding="utf-8"))["papers"][0]
    assert record["figure"]["path"] == f"figures/{name}" and record["figure"]["number"] == 1
    markdown = published.path.read_text(encoding="utf-8")
    assert "![" not in markdown and "figures/" not in markdown  # the seed's format by default

    again = publish_day(Runtime(settings.__class__(**{**settings.__dict__, "markdown_figures": True})), DAY, "cs.CV")
    markdown = again.path.read_text(encoding="utf-8")
    assert f"](figures/{name})" in markdown
    parsed = parse_digest(markdown).papers[0]
    assert parsed.figure == f"figures/{name}"
    assert parsed.categories == ["cs.CV"] and parsed.abstract == "We stage things."


def test_renderers_escape_a_hostile_caption() -> None:
    paper = Paper("2601.00002", 1, "T", ("A",), ("cs.CV",), "cs.CV", NOW, NOW, "Abstract.")
    hostile = 'Figure 1: <script>alert(1)</script> ](javascript:x) [a](b) "q"'
    figure = PublishedFigure(f"figures/{'a' * 64}.jpg", hostile, 1, 2, 640, 480)
    view = DigestView(DAY, "cs.CV", [paper], {}, "s", "en", figures={paper.versioned_id: figure},
                      markdown_figures=True)
    page = render_html(view)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'width="640" height="480"' in page and "Figure 1 of the paper, PDF page 2." in page
    markdown = render_markdown(view)
    line = next(line for line in markdown.splitlines() if line.startswith("!["))
    assert line.endswith(f"](figures/{'a' * 64}.jpg)")
    assert "\\](javascript:x)" in line and "&lt;script&gt;" in line  # escaped: text, not a link or markup
    assert parse_digest(markdown).papers[0].figure == f"figures/{'a' * 64}.jpg"
    assert json.loads(export_json(view))["papers"][0]["figure"]["caption"] == hostile
