"""The teaser figure finder on generated pages: what it crops, and every case where it must crop nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pymupdf
import pytest

from arxiv_digest.pdf.figures import (
    find_captions,
    find_teaser,
    locate_figure,
    render_crop,
    running_heads,
    teaser_from_file,
)
from arxiv_digest.pdf.writer import new_page, write_block, write_line

ROOT = Path(__file__).resolve().parents[1]
CORPUS_PDFS = ROOT.parent / "shared" / "corpus" / "pdfs"
TRUTH = ROOT / "bench" / "truth_figures.json"

BODY_TEXT = (
    "Deep networks learn representations from data and we study how these behave under several settings that "
    "matter in practice for the tasks considered in this paper. The results show consistent gains across the "
    "benchmarks and the ablations we ran, and the analysis explains where the gains come from and when they vanish."
)


def _paragraph(page: pymupdf.Page, x0: float, y0: float, x1: float, lines: int = 5) -> pymupdf.Rect:
    """Body text: `lines` full lines of 9.5 pt text between x0 and x1."""
    words = (BODY_TEXT + " ") * (lines + 2)
    rows, row = [], ""
    for word in words.split():
        trial = f"{row} {word}".strip()
        if pymupdf.get_text_length(trial, fontname="helv", fontsize=9.5) > x1 - x0:
            rows.append(row)
            row = word
        else:
            row = trial
    for i, text in enumerate(rows[:lines]):
        write_line(page, x0, y0 + 10 + 12.5 * i, text, 9.5)
    return pymupdf.Rect(x0, y0, x1, y0 + 12.5 * lines + 4)


def _caption(page: pymupdf.Page, x0: float, y0: float, x1: float, text: str) -> pymupdf.Rect:
    bottom = write_block(page, y0, text, x0=x0, x1=x1, size=9)
    return pymupdf.Rect(x0, y0, x1, bottom)


def _diagram(page: pymupdf.Page, box: pymupdf.Rect, boxes: int = 4) -> None:
    """A vector figure: labelled boxes joined by arrows (many drawings, a little text)."""
    width = box.width / boxes
    for i in range(boxes):
        cell = pymupdf.Rect(box.x0 + i * width + 6, box.y0 + 10, box.x0 + (i + 1) * width - 6, box.y1 - 10)
        page.draw_rect(cell, color=(0.1, 0.3, 0.8), fill=(0.85, 0.9, 1.0), width=1)
        write_line(page, cell.x0 + 6, cell.y0 + cell.height / 2, f"Stage {i + 1}", 8)
        if i:
            page.draw_line((cell.x0 - 12, cell.y0 + cell.height / 2), (cell.x0, cell.y0 + cell.height / 2),
                           color=(0, 0, 0), width=1)


def _photo(page: pymupdf.Page, box: pymupdf.Rect) -> None:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 96, 64), False)
    for x in range(96):
        for y in range(64):
            pix.set_pixel(x, y, ((x * 5) % 256, (y * 7) % 256, ((x + y) * 3) % 256))
    page.insert_image(box, pixmap=pix)


def _document(*builders) -> pymupdf.Document:  # type: ignore[no-untyped-def]
    doc = pymupdf.open()
    for build in builders:
        build(new_page(doc))
    return doc


def _inside(inner: tuple[float, ...], outer: pymupdf.Rect, slack: float = 6.0) -> bool:
    return (inner[0] >= outer.x0 - slack and inner[1] >= outer.y0 - slack and inner[2] <= outer.x1 + slack
            and inner[3] <= outer.y1 + slack)


def test_a_vector_figure_above_its_caption_is_cropped_from_its_drawings() -> None:
    figure = pymupdf.Rect(72, 200, 540, 330)

    def page(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 100, 540, lines=6)
        _diagram(p, figure)
        _caption(p, 72, 340, 540, "Figure 1: Overview of our method. Each stage refines the last one.")
        _paragraph(p, 72, 390, 540)

    crop = find_teaser(_document(page))
    assert crop is not None
    assert (crop.page, crop.number) == (0, 1)
    assert crop.caption.startswith("Figure 1: Overview of our method.")
    assert _inside(crop.bbox, figure)
    assert crop.bbox[1] > 180 and crop.bbox[3] < 340  # neither the paragraph above nor the caption


def test_a_figure_in_the_right_column_stays_in_its_column_below_the_text_above_it() -> None:
    figure = pymupdf.Rect(320, 250, 540, 380)

    def page(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 80, 290, lines=40)
        _paragraph(p, 320, 80, 540, lines=12)
        _photo(p, figure)
        _caption(p, 320, 390, 540, "Figure 1. Results on three scenes.")
        _paragraph(p, 320, 430, 540, lines=20)

    crop = find_teaser(_document(page))
    assert crop is not None and crop.number == 1
    assert _inside(crop.bbox, figure)
    assert crop.bbox[0] > 300  # nothing of the left column


def test_a_figure_across_both_columns_is_cropped_whole() -> None:
    figure = pymupdf.Rect(72, 80, 540, 220)

    def page(p: pymupdf.Page) -> None:
        _diagram(p, figure, boxes=6)
        _caption(p, 72, 230, 540, "Figure 2: The pipeline of the detector, from the image to the boxes it finds.")
        _paragraph(p, 72, 280, 290, lines=30)
        _paragraph(p, 320, 280, 540, lines=30)

    crop = find_teaser(_document(page))
    assert crop is not None and crop.number == 2
    assert crop.bbox[0] < 90 and crop.bbox[2] > 520
    assert _inside(crop.bbox, figure)


def test_a_plot_of_hundreds_of_drawings_is_cropped_with_its_axis_labels() -> None:
    plot = pymupdf.Rect(120, 160, 480, 400)

    def page(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 80, 540, lines=5)
        p.draw_line((plot.x0, plot.y1), (plot.x1, plot.y1), color=(0, 0, 0))
        p.draw_line((plot.x0, plot.y0), (plot.x0, plot.y1), color=(0, 0, 0))
        for i in range(400):  # a scatter plot: one small circle per point
            x = plot.x0 + 4 + (i * 37) % int(plot.width - 8)
            y = plot.y1 - 4 - (i * 53) % int(plot.height - 8)
            p.draw_circle((x, y), 1.2, color=(0.8, 0.2, 0.2), fill=(0.8, 0.2, 0.2))
        for tick in range(5):
            write_line(p, plot.x0 + tick * 80, plot.y1 + 12, str(tick * 25), 8)
        write_line(p, 270, plot.y1 + 26, "training steps (k)", 8)
        _caption(p, 72, 440, 540, "Figure 1: Accuracy of every run against the number of training steps.")
        _paragraph(p, 72, 480, 540)

    crop = find_teaser(_document(page))
    assert crop is not None and crop.number == 1
    assert _inside(crop.bbox, pymupdf.Rect(plot.x0, plot.y0, plot.x1, plot.y1 + 30))
    assert crop.bbox[3] > plot.y1 + 20  # the tick labels and the axis title come with the plot


def test_a_table_is_not_a_figure() -> None:
    def page(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 80, 540, lines=6)
        _caption(p, 72, 170, 540, "Table 1: Accuracy on the benchmarks.")
        for y in (200, 216, 280):
            p.draw_line((72, y), (540, y), color=(0, 0, 0), width=0.6)
        for row, y in enumerate((212, 230, 248, 266)):
            write_line(p, 80, y, f"Method {row}    71.{row}    80.{row}    64.{row}", 9)
        _paragraph(p, 72, 300, 540)

    assert find_teaser(_document(page)) is None


def test_a_caption_without_graphics_gives_no_figure() -> None:
    def page(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 80, 540, lines=8)
        _caption(p, 72, 200, 540, "Figure 1: Qualitative results (the images were removed from this copy).")
        _paragraph(p, 72, 250, 540, lines=8)

    doc = _document(page)
    assert [c.number for c in find_captions(doc)] == [1]
    assert find_teaser(doc) is None


def test_body_text_that_mentions_a_figure_is_not_a_caption() -> None:
    def page(p: pymupdf.Page) -> None:
        _diagram(p, pymupdf.Rect(72, 80, 540, 200))
        write_block(p, 210, "Figure 1 shows the stages of the model. " + BODY_TEXT, x0=72, x1=540, size=9.5)

    doc = _document(page)
    assert find_captions(doc) == []
    assert find_teaser(doc) is None


def test_a_frame_with_text_in_it_is_not_a_figure() -> None:
    def page(p: pymupdf.Page) -> None:
        p.draw_rect(pymupdf.Rect(72, 80, 540, 200), color=(0, 0, 0), width=0.8)
        _paragraph(p, 80, 88, 532, lines=7)
        _caption(p, 72, 210, 540, "Figure 1: An example prompt.")
        _paragraph(p, 72, 260, 540)

    assert find_teaser(_document(page)) is None


def test_the_overview_figure_is_preferred_to_figure_one() -> None:
    def first(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 80, 540, lines=6)
        _photo(p, pymupdf.Rect(150, 180, 460, 330))
        _caption(p, 72, 340, 540, "Figure 1: Accuracy against the batch size.")

    def second(p: pymupdf.Page) -> None:
        _diagram(p, pymupdf.Rect(72, 80, 540, 220))
        _caption(p, 72, 230, 540, "Figure 2: Overview of the framework. The encoder feeds the decoder.")
        _paragraph(p, 72, 280, 540)

    crop = find_teaser(_document(first, second))
    assert crop is not None and (crop.page, crop.number) == (1, 2)


def test_figures_after_the_fourth_page_are_not_searched() -> None:
    def text_only(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 80, 540, lines=40)

    def with_figure(p: pymupdf.Page) -> None:
        _diagram(p, pymupdf.Rect(72, 80, 540, 220))
        _caption(p, 72, 230, 540, "Figure 1: Overview.")

    assert find_teaser(_document(text_only, text_only, text_only, text_only, with_figure)) is None


def test_the_rendered_crop_respects_the_size_caps(tmp_path: Path) -> None:
    figure = pymupdf.Rect(72, 200, 540, 520)

    def page(p: pymupdf.Page) -> None:
        _paragraph(p, 72, 100, 540, lines=6)
        _photo(p, figure)
        _caption(p, 72, 530, 540, "Figure 1: A large photograph.")

    doc = _document(page)
    crop = find_teaser(doc)
    assert crop is not None
    image = render_crop(doc, crop, max_side=400, max_bytes=60_000)
    assert image is not None
    assert max(image.width, image.height) <= 400 and len(image.data) <= 60_000
    assert image.data[:3] == b"\xff\xd8\xff" if image.extension == "jpg" else image.data[:4] == b"\x89PNG"
    assert render_crop(doc, crop, max_side=400, max_bytes=50) is None  # cannot fit: no figure, not a worse one

    path = tmp_path / "paper.pdf"
    doc.save(path)
    teaser = teaser_from_file(str(path), 400, 60_000)
    assert teaser is not None and teaser.crop == crop and teaser.image.data == image.data  # deterministic


def test_a_broken_file_raises_instead_of_returning_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\nnot really a pdf")
    with pytest.raises(Exception):  # noqa: B017 - MuPDF's errors share no narrower base class
        teaser_from_file(str(path))


# -- the corpus, against the hand-judged truth --------------------------------------------------------------------


def _iou(a: list[float], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union


def test_corpus_figures_match_the_hand_judged_truth() -> None:
    if not CORPUS_PDFS.is_dir():
        pytest.skip(f"../shared corpus not present: {CORPUS_PDFS} is missing (it sits beside the repo in CI)")
    truth = json.loads(TRUTH.read_text(encoding="utf-8"))
    wrong = []
    for paper, judged in truth.items():
        with pymupdf.open(CORPUS_PDFS / f"{paper}.pdf") as doc:
            crop = find_teaser(doc)
        expected = judged["figures"]
        if crop is None:
            if expected:
                wrong.append(f"{paper}: none found, expected figure {expected[0]['number']}")
            continue
        if not any(e["page"] == crop.page + 1 and e["number"] == crop.number and _iou(e["bbox"], crop.bbox) >= 0.8
                   for e in expected):
            wrong.append(f"{paper}: figure {crop.number} on page {crop.page + 1} at {crop.bbox}")
    assert wrong == []
    assert sum(1 for judged in truth.values() if judged["figures"]) >= 40  # the truth covers the corpus


def test_the_judged_sample_of_other_corpus_figures_stays_right() -> None:
    """Figures on pages 5-14 the rules were not written on, located as a teaser would be."""
    if not CORPUS_PDFS.is_dir():
        pytest.skip(f"../shared corpus not present: {CORPUS_PDFS} is missing (it sits beside the repo in CI)")
    judged = json.loads((ROOT / "bench" / "truth_figures_other.json").read_text(encoding="utf-8"))["figures"]
    drifted = []
    for figure in (f for f in judged if f["verdict"] == "right"):
        with pymupdf.open(CORPUS_PDFS / f"{figure['paper']}.pdf") as doc:
            caption = next(c for c in find_captions(doc, pages=figure["page"])
                           if c.page + 1 == figure["page"] and c.number == figure["number"])
            box = locate_figure(doc[caption.page], caption, running_heads(doc))
        if box is None or _iou(figure["bbox"], tuple(box)) < 0.8:
            drifted.append(f"{figure['paper']} p{figure['page']} figure {figure['number']}: {box}")
    assert drifted == []
    assert len(judged) >= 40
