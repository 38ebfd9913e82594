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


def _width(text: str, size: float, bold: bool) -> float:
    return pymupdf.get_text_length(text, fontname="hebo" if bold else "helv", fontsize=size)


def mixed_run(plan: PagePlan, x: float, y: float, pieces: Sequence[tuple[str, bool]], size: float) -> PagePlan:
    """One printed line made of pieces in different faces, as a bold heading with inline math ($k$-NN) is."""
    for text, bold in pieces:
        plan.text(x, y, text, size, bold=bold)
        x += _width(text, size, bold)
    return plan


def plain_type_headings_pdf() -> bytes:
    """Headings without a bold or larger face, and bold headings holding a regular-face piece of math.

    Page 1: "1.1 Plain Scope" is set in the body type with space around it and continues the numbering; the
    plain "3.2 Million Images Were Kept" with the same space does not continue it, and the plain "1.2 Next"
    continues it but sits inside a paragraph with no space around it. Page 2: "2.1 Grids for k-NN Search" is
    bold but for a regular "k"; then an appendix heading wraps onto an indented second line.
    """
    p1 = PagePlan()
    p1.text(150, 60, "Plain Type Headings", 16, bold=True)
    p1.text(72, 100, "1 Introduction", 12, bold=True)
    y = _body(p1, 120)
    p1.text(72, y + 8, "1.1 Plain Scope")
    y = _body(p1, y + 26)
    p1.text(72, y + 8, "3.2 Million Images Were Kept")
    y = _body(p1, y + 26)
    y = p1.paragraph(72, y, [FILLER[0], "1.2 Next to the previous line this is part of the paragraph", FILLER[1]])
    p1.text(72, y + 10, "2 Method", 12, bold=True)
    _body(p1, y + 30)
    p2 = PagePlan()
    mixed_run(p2, 72, 70, [("2.1 Grids for ", True), ("k", False), ("-NN Search", True)], 11)
    y = _body(p2, 90)
    p2.text(72, y + 10, "References", 12, bold=True)
    y = p2.paragraph(72, y + 30, ["[1] A. Author. A paper. 2020."])
    p2.text(72, y + 20, "A. Detailed Information of the Rendering Pipeline and", 12, bold=True)
    p2.text(92, y + 34, "Gradient Calculation", 12, bold=True)
    y = _body(p2, y + 56)
    p2.text(72, y + 10, "A.1 Rendering", 11, bold=True)
    _body(p2, y + 30)
    return build_pdf([p1, p2])


def _two_column_page(plan: PagePlan, y: float, *, left: int, right: int, right_x: float = 310.0) -> PagePlan:
    """Body rows in a left column (x 56..285) and a right one starting at ``right_x``."""
    rows = ("Columns of text fill the page in this style and",
            "the reader follows each from its top to its foot",
            "before moving to the next column on the right.")
    for row in range(left):
        plan.text(56, y + row * 12, rows[row % 3])
    for row in range(right):
        plan.text(right_x, y + row * 12, rows[row % 3])
    return plan


def light_column_pdf() -> bytes:
    """A two-column paper whose last page has a full left column and a right column holding only a heading,
    two lines and a drawn figure: it is still read column by column (C before D)."""
    pages = []
    for number in range(1, 4):
        plan = _two_column_page(PagePlan(), 110, left=50, right=50)
        plan.text(56, 90, f"{number} Section Number {number}", 12, bold=True)
        pages.append(plan)
    last = PagePlan()
    last.text(310, 72, "D. Dataset Details", 12, bold=True)
    last.text(310, 92, "The classes of the dataset are listed in the")
    last.text(310, 104, "figure below with their counts.")
    last.box(310, 120, 540, 400)
    last.text(56, 72, "References", 12, bold=True)
    last.text(56, 92, "[1] A. Author. A paper. 2020.")
    last.text(56, 130, "C. Implementation Details", 12, bold=True)
    for row in range(40):
        last.text(56, 150 + row * 12, "The implementation follows the description in the")
    pages.append(last)
    return build_pdf(pages)


def narrow_gutter_pdf() -> bytes:
    """An A4 two-column page whose right column starts a point left of the page's middle: its heading shares
    a baseline with left-column prose and is still a heading, numbered and in plain type alike."""
    plan = _two_column_page(PagePlan(), 100, left=40, right=40, right_x=296.0)
    plan.text(56, 70, "1 Introduction", 12, bold=True)
    plan.text(296, 70, "2 Related Work", 12, bold=True)
    gap = {100 + 12 * row for row in range(10, 14)}  # the space around the plain-type subsection heading
    plan.lines = [line for line in plan.lines if not (line[0] == 296.0 and line[1] in gap)]
    plan.text(296, 238, "2.1 Temporal Action Detection")
    return build_pdf([plan])


def outlined_pdf(*, top_level_only: bool) -> bytes:
    """Printed sections 1, 1.1, 2, 2.1, 3 and an outline of them all or of the top level only; the words of the
    "2.1 Cache Manager" entry also label a figure above the printed heading, in small type."""
    plan = PagePlan()
    plan.text(72, 70, "1 Introduction", 12, bold=True)
    y = _body(plan, 90)
    plan.text(72, y + 10, "1.1 Scope", 11, bold=True)
    y = _body(plan, y + 30)
    plan.text(72, y + 10, "2 Method", 12, bold=True)
    y = _body(plan, y + 30)
    plan.box(100, y + 4, 300, y + 60)
    plan.text(120, y + 30, "Cache Manager", 6)
    plan.text(72, y + 80, "2.1 Cache Manager", 11, bold=True)
    y = _body(plan, y + 100)
    plan.text(72, y + 10, "3 Results", 12, bold=True)
    _body(plan, y + 30)
    if top_level_only:
        return build_pdf([plan], [(1, "1 Introduction", 1), (1, "2 Method", 1), (1, "3 Results", 1)])
    toc = [(1, "1 Introduction", 1), (2, "1.1 Scope", 1), (1, "2 Method", 1), (2, "2.1 Cache Manager", 1),
           (1, "3 Results", 1)]
    return build_pdf([plan], toc)


def contents_without_leaders_pdf() -> bytes:
    """A contents page whose entries have no dot leaders: the page number sits far right of each title. The
    entries are not headings, and the printed sections after it keep their numbering."""
    p1 = PagePlan()
    p1.text(150, 60, "A Paper With a Contents Page", 16, bold=True)
    p1.text(72, 110, "Contents", 12, bold=True)
    entries = [("1 Introduction", 2), ("2 Method", 2), ("3 Experiments", 2), ("4 Results", 3), ("5 Discussion", 3),
               ("6 Conclusion", 3), ("References", 3)]
    for row, (entry, page) in enumerate(entries):
        p1.text(72, 134 + row * 16, entry, BODY, bold=True)
        p1.text(500, 134 + row * 16, str(page), BODY, bold=True)
    p2, p3 = PagePlan(), PagePlan()
    y = 70
    for plan, titles in ((p2, entries[:3]), (p3, entries[3:6])):
        y = 70
        for title, _ in titles:
            plan.text(72, y, title, 12, bold=True)
            y = _body(plan, y + 20) + 10
    p3.text(72, y, "References", 12, bold=True)
    p3.paragraph(72, y + 20, ["[1] A. Author. A paper. 2020."])
    return build_pdf([p1, p2, p3])
