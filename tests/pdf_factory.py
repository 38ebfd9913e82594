"""Small PDFs, one per layout or failure the extractor must handle, planned line by line.

The pages are written by arxiv_digest.pdf.writer, the core the sample day's papers are written with too.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pymupdf

from arxiv_digest.pdf.writer import A4, BODY, PagePlan, new_page, write_page

__all__ = ["A4", "BODY", "PagePlan", "build_pdf"]


def build_pdf(pages: Sequence[PagePlan], toc: Sequence[tuple[int, str, int]] = ()) -> bytes:
    doc = pymupdf.open()
    for plan in pages:
        write_page(doc, plan)
    if toc:
        doc.set_toc([list(entry) for entry in toc])
    data = doc.tobytes(garbage=1)
    doc.close()
    return data


FILLER = (
    "Deep networks learn representations from data and we study how these behave under",
    "several settings that matter in practice for the tasks considered in this paper.",
    "The results show consistent gains across the benchmarks and the ablations we ran.",
)


def running_header(plan: PagePlan, number: int) -> PagePlan:
    """A journal-style running header and a centred page number in the footer."""
    plan.text(72, 30, "Preprint under review at the Conference on Things 2026", 8)
    plan.text(290, 820, str(number), 9)
    return plan


def single_column_paper(*, with_toc: bool = False, wrong_toc: bool = False) -> bytes:
    """Three pages: title, abstract, numbered sections, a caption, references; headers and page numbers."""
    p1 = running_header(PagePlan(), 1)
    p1.text(140, 80, "GridNet: Learning Grids for Dense Prediction", 16, bold=True)
    p1.text(250, 104, "Ada Lovelace", 11)
    p1.text(270, 140, "Abstract", 12, bold=True)
    y = p1.paragraph(90, 160, ["We present GridNet, a dense predictor built on grids. Our code is available at",
                               "https://github.com/example/GridNet."])
    p1.text(72, y + 10, "1 Introduction", 12, bold=True)
    y = p1.paragraph(72, y + 30, [
        "Dense prediction needs good repre-",
        "sentations and state-of-the-art models are costly; a common",
        "fix is pooling. We use the library at https://github.com/other/",
        "toolkit for the baselines.",
        *FILLER,
    ])
    p1.text(72, y + 10, "2 Method", 12, bold=True)
    y = p1.paragraph(72, y + 30, ["Our method builds a grid of features with a filter bank and flow fields.",
                                   *FILLER])
    p1.text(72, y + 6, "Figure 1: The grid of features used by GridNet.", 9)
    p1.paragraph(72, y + 26, FILLER)

    p2 = running_header(PagePlan(), 2)
    p2.text(72, 80, "2.1 Grid Construction", 11, bold=True)
    y = p2.paragraph(72, 100, FILLER)
    p2.text(72, y + 10, "3 Experiments", 12, bold=True)
    y = p2.paragraph(72, y + 30, [*FILLER, "Table 2. Accuracy of all methods on the benchmark."])
    p2.text(72, y + 10, "4 Conclusion", 12, bold=True)
    p2.paragraph(72, y + 30, FILLER)

    p3 = running_header(PagePlan(), 3)
    p3.text(72, 80, "References", 12, bold=True)
    p3.paragraph(72, 100, ["[1] A. Author. A dataset of grids. https://example.org/grids, 2020.",
                           "[2] B. Author. Pooling is all you need. 2021."])
    toc: list[tuple[int, str, int]] = []
    if with_toc:
        toc = [(1, "1 Introduction", 1), (1, "2 Method", 1), (2, "2.1 Grid Construction", 2),
               (1, "3 Experiments", 2), (1, "4 Conclusion", 2)]
    if wrong_toc:
        toc = [(1, "Overview of Everything", 1), (1, "Unrelated Chapter", 2), (1, "Another Missing Part", 3)]
    return build_pdf([p1, p2, p3], toc)


def two_column_page() -> bytes:
    """A full-width title over two columns whose lines interleave in y: reading order must be by column."""
    plan = PagePlan()
    plan.text(150, 60, "A Two Column Paper About Columns", 16, bold=True)
    left = [f"left column sentence {i} continues here." for i in range(1, 31)]
    right = [f"right column sentence {i} goes on there." for i in range(1, 31)]
    plan.text(60, 100, "1 Introduction", 12, bold=True)
    plan.paragraph(60, 120, left)
    plan.text(320, 100, "2 Related Work", 12, bold=True)
    plan.paragraph(320, 120, right)
    # Lines down the outer margins, as on a review copy.
    for i in range(40):
        plan.text(20, 100 + i * 16, f"{i:03d}", 7)
        plan.text(560, 100 + i * 16, f"{i + 40:03d}", 7)
    return build_pdf([plan])


def rotated_page() -> bytes:
    plan = PagePlan(rotation=90)
    plan.text(72, 100, "1 Introduction", 12, bold=True)
    plan.paragraph(72, 120, FILLER)
    return build_pdf([plan])


def image_only_pdf() -> bytes:
    """A scanned page: one picture of text, no text layer."""
    doc = pymupdf.open()
    page = new_page(doc)
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 100), False)
    pix.clear_with(200)
    page.insert_image(pymupdf.Rect(72, 72, 472, 272), pixmap=pix)
    data = doc.tobytes()
    doc.close()
    return data


def encrypted_pdf(password: str = "secret") -> bytes:
    source = pymupdf.open(stream=single_column_paper(), filetype="pdf")
    out = io.BytesIO()
    source.save(out, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw=password, owner_pw=password + "-owner")
    source.close()
    return out.getvalue()


def zero_page_pdf() -> bytes:
    """A syntactically valid PDF whose page tree is empty (PyMuPDF refuses to save one, so it is hand-written)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def url_edge_cases_pdf() -> bytes:
    """URLs broken after a slash, inside a hyphenated repository name, and one only in a link annotation."""
    plan = PagePlan()
    plan.text(72, 60, "VoxNet: Voxels All the Way", 16, bold=True)
    plan.text(72, 100, "Abstract", 12, bold=True)
    y = plan.paragraph(72, 120, [
        "We study voxels. The code and models will be made publicly available at https://",
        "github.com/example/VoxNet.",
    ])
    plan.text(72, y + 10, "1 Introduction", 12, bold=True)
    y = plan.paragraph(72, y + 30, [
        "Our implementation is released at https://github.com/example/Voxels-and-",
        "Grids-Toolkit.git (see the project page).",
        "We use the pretrained backbone from https://github.com/third/backbone [4].",
        "Visit our project page for videos.",
    ])
    plan.links.append(((72, y, 300, y + 12), "http://example.github.io/voxnet/"))
    plan.text(72, y + 10, "Project page link text", BODY)
    plan.text(72, y + 40, "References", 12, bold=True)
    plan.paragraph(72, y + 60, ["[4] C. Third. Backbones. https://gitlab.com/third/backbones/, 2019."])
    return build_pdf([plan])


def _body(plan: PagePlan, y: float, rows: int = 3) -> float:
    return plan.paragraph(72, y, [FILLER[i % len(FILLER)] for i in range(rows)])


def layout_traps_pdf() -> bytes:
    """Lines styled and numbered like headings that are not: table rows and headers between drawn rules, a
    figure's labels among its drawings, an enumerated item inside a paragraph, affiliations under the title,
    and a table of contents. The real headings 1-4 must all survive, in order."""
    p1 = PagePlan()
    p1.text(120, 60, "Traps: A Study of Things That Look Like Headings", 16, bold=True)
    p1.text(150, 84, "1 First University 2 Second Institute", 10, bold=True)
    p1.text(72, 120, "Contents", 12, bold=True)
    for row, (entry, page) in enumerate([("1 Introduction", 2), ("2 Method", 2), ("2.1 Details", 2),
                                         ("3 Experiments", 3), ("4 Conclusion", 3), ("A Extra Results", 4),
                                         ("B Proofs", 4)]):
        p1.text(72, 140 + row * 14, f"{entry} {'. ' * 20}{page}", BODY, bold=entry[1:2] != ".")
    p2 = PagePlan()
    p2.text(72, 70, "1 Introduction", 12, bold=True)
    y = _body(p2, 90)
    p2.paragraph(72, y, [
        "We make three contributions and list them here as the paper proceeds with",
        "the following numbered claims that are part of this very paragraph:",
    ])
    p2.text(72, y + 24, "2 Better Grids Than Before", BODY, bold=True)  # an item: it continues the sentence
    y = _body(p2, y + 36)
    p2.text(72, y + 10, "2 Method", 12, bold=True)
    y = _body(p2, y + 30)
    # A table: header row and body rows between drawn rules; the first column holds numbers.
    top = y + 10
    p2.rule(72, top, 520)
    p2.text(80, top + 14, "3 Layers", BODY, bold=True)
    p2.text(300, top + 14, "Accuracy", BODY, bold=True)
    p2.rule(72, top + 20, 520)
    for row in range(3):
        p2.text(80, top + 34 + row * 14, f"{row + 3} Blocks", BODY, bold=True)
        p2.text(300, top + 34 + row * 14, f"{70 + row}.5", BODY)
    p2.rule(72, top + 34 + 3 * 14, 520)
    p2.text(72, top + 90, "Table 1: Accuracy by depth.", 9)
    y = _body(p2, top + 120)
    p2.text(72, y + 10, "2.1 Details", 11, bold=True)
    _body(p2, y + 30)
    p3 = PagePlan()
    # A figure: boxes drawn around numbered labels.
    p3.box(100, 60, 240, 120)
    p3.text(130, 95, "3 Encoder", 11, bold=True)
    p3.box(300, 60, 440, 120)
    p3.text(330, 95, "4 Decoder", 11, bold=True)
    p3.text(72, 140, "Figure 1: The two stages.", 9)
    p3.text(72, 180, "3 Experiments", 12, bold=True)
    y = _body(p3, 200)
    p3.text(72, y + 10, "4 Conclusion", 12, bold=True)
    y = _body(p3, y + 30)
    p3.text(72, y + 10, "References", 12, bold=True)
    p3.paragraph(72, y + 30, ["[1] A. Author. A paper. 2020."])
    return build_pdf([p1, p2, p3])


def statements_pdf() -> bytes:
    """Unnumbered statement sections and an "APPENDIX A: TITLE" heading, which are all top-level."""
    p1 = PagePlan()
    p1.text(150, 60, "Statements Are Sections Too", 16, bold=True)
    p1.text(72, 100, "Abstract", 12, bold=True)
    y = _body(p1, 120)
    p1.text(72, y + 10, "KEYWORDS", 10, bold=True)
    y = p1.paragraph(72, y + 26, ["grids, headings, layout"])
    p1.text(72, y + 10, "1 Introduction", 12, bold=True)
    y = _body(p1, y + 30)
    p1.text(72, y + 10, "1.1 Scope", 11, bold=True)
    y = _body(p1, y + 30)
    p1.text(72, y + 10, "1.1.1 Fine Print", 10, bold=True)
    y = _body(p1, y + 26)
    p1.text(72, y + 10, "2 Conclusion", 12, bold=True)
    y = _body(p1, y + 30)
    p2 = PagePlan()
    y = 70
    for name in ("Broader Impact", "Ethics Statement", "Reproducibility Statement"):
        p2.text(72, y, name, 12, bold=True)
        y = _body(p2, y + 20) + 10
    p2.text(72, y, "References", 12, bold=True)
    y = p2.paragraph(72, y + 20, ["[1] A. Author. A paper. 2020."])
    p2.text(72, y + 10, "APPENDIX A: ADDITIONAL PROOFS", 12, bold=True)
    y = _body(p2, y + 30)
    p2.text(72, y + 10, "A.1 First Lemma", 11, bold=True)
    y = _body(p2, y + 30)
    p2.text(72, y + 10, "Checklist", 12, bold=True)
    _body(p2, y + 30)
    return build_pdf([p1, p2])


def own_code_cases_pdf() -> bytes:
    """Code links whose ownership the words decide: a footnote URL broken mid-name, a project folder in a
    large repository, the paper's own dataset repository, a cited repository, a hub model collection."""
    p1 = PagePlan()
    p1.text(120, 60, "GridFlow: Flowing Grids for Prediction", 16, bold=True)
    p1.text(72, 100, "Abstract", 12, bold=True)
    y = _body(p1, 120)
    p1.text(72, y + 10, "1 Introduction", 12, bold=True)
    y = p1.paragraph(72, y + 30, [
        "We build on the official implementation of RAFT [12] at https://github.com/princeton-vl/RAFT and",
        "compare with the pretrained weights in https://huggingface.co/collections/someorg/flow-models-66.",
        "Our code is released as a project folder of a larger repository, see the footnote.1",
        "We release our dataset at https://github.com/example-lab/gridflow-bench for future work.",
        *FILLER,
    ])
    # The footnote: the URL breaks in the middle of a word, its tail alone on the next line.
    p1.text(72, 760, "1Our code is available at https://github.com/bigorg/research/tree/master/grid", 8)
    p1.text(72, 770, "flow", 8)
    p1.text(72, y + 10, "2 Method", 12, bold=True)
    _body(p1, y + 30)
    return build_pdf([p1])
