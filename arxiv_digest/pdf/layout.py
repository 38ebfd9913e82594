"""A paper's PDF as page layout and clean per-page text in reading order.

One ``get_text("dict")`` pass per page gives every line with its box and fonts. From those lines we drop what
is not the paper's prose (running headers and footers, page numbers, review line numbers, the rotated arXiv
stamp), order the blocks column by column, repair ligatures and end-of-line hyphenation, and mark figure and
table captions. The same layout feeds section segmentation (pdf/sections.py) and link finding (pdf/links.py):
pdf/reading.py hands one layout to all three, so a PDF is read once.
"""

from __future__ import annotations

import gc
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pymupdf

from arxiv_digest.errors import PdfExtractionError
from schemas.records import Extraction, PageText, Status

# 2: section levels and layout evidence; 3: column edges across pages, light columns, plain-type headings;
# 4: URLs rejoined across a line only on evidence, own links by kind, labels from position (issue 28);
# 5: unnumbered and front-matter sections by type, supplement title pages, small-capital types (issue 28)
EXTRACTOR_VERSION = "pymupdf-layout-5"

# Ligatures are expanded by MuPDF when TEXT_PRESERVE_LIGATURES is off; the table catches fonts whose
# ToUnicode map still yields the ligature code points.
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_LIGATURE_CHARS = re.compile("[\ufb00-\ufb06]")
# Images are skipped on purpose: decoding them is most of the cost of a "dict" pass. Vector paths are collected
# (their boxes only, at no measurable cost in the same pass): lines among a table's rules or a figure's drawings
# are not headings.
_TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_COLLECT_VECTORS
_VECTOR_BLOCK = 3
_BACKGROUND_SHARE = 0.3  # a drawn box covering this much of the page is a background or a figure canvas
_HYPHENS = ("-", "\u00ad", "\u2010")
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|\bmedi|-medi|cmbx|\bbx|sfbx", re.I)
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_LONE_INTEGER = re.compile(r"^\d{1,4}(?: \d{1,4})?$")  # one ruler number, or the left and right ones
_CAPTION = re.compile(r"^(?:figure|fig\.|table|tab\.|algorithm|listing)\s*[A-Z]?\d+(?:\.\d+)?\s*[:.|]", re.I)
_MAX_WORD_GAP = 4.0  # in font sizes: the widest gap between two pieces of one printed line ("1" "Introduction")
_PAGE_REFERENCE = re.compile(r"^\d{1,3}$")
_CAPTION_INITIALS = frozenset("FfTtAaLl")  # a caption starts with Figure, Fig., Table, Tab., Algorithm or Listing
_MARGIN_BAND = 0.08  # share of the page height where running headers and footers live
_MIN_CHARS_PER_PAGE = 100  # below this on average a PDF is treated as scanned (no usable text layer)
CAPTION_MARK = "[caption] "


class PdfInputError(PdfExtractionError):
    """A PDF that cannot be read at all; ``kind`` says why (encrypted, corrupt, not_pdf, empty, timeout)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a pool worker, it crosses back to the parent by pickle, which would drop ``kind``.
        return (type(self), (str(self), self.kind))


# -- layout records ------------------------------------------------------------------------------------------


DrawnPath = tuple[tuple[float, float, float, float], bool]  # a drawing's bbox and whether it is stroked


# Which fonts of a document are bold: (font name, MuPDF's bold flag) -> bold. One table per document, shared by its
# lines: a paper sets thousands of spans in a few dozen fonts, and the name test is a regular expression.
FontFaces = dict[tuple[str, int], bool]


class Span(NamedTuple):
    text: str
    size: float
    bold: bool


@dataclass(slots=True)
class Line:
    page: int  # 1-based
    x0: float
    y0: float
    x1: float
    y1: float
    raw_spans: list[dict[str, Any]]  # MuPDF's spans, looked at only for the few lines that might be headings
    text: str
    size: float  # the font size of the line's longest span
    faces: FontFaces  # the document's font table
    _bold: bool | None = None

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def spans(self) -> tuple[Span, ...]:
        return tuple(
            Span(s["text"], round(s["size"], 1), _is_bold(self.faces, s["font"], s["flags"]))
            for s in self.raw_spans if s["text"]
        )

    @property
    def bold(self) -> bool:
        """The line is set in a bold face: nearly all its visible characters (a heading may hold inline math,
        "(NLVR$_2$)" or "$k$-NN", set in a regular math font)."""
        if self._bold is None:
            bold = plain = 0
            for span in self.raw_spans:
                visible = len(span["text"].strip())
                if not visible:
                    continue
                if _is_bold(self.faces, span["font"], span["flags"]):
                    bold += visible
                else:
                    plain += visible
                    if plain > 3:  # most lines: their first regular word settles it
                        break
            self._bold = bold > 0 and plain <= 3 and plain <= 0.1 * (bold + plain)
        return self._bold


@dataclass(slots=True)
class Block:
    lines: list[Line]
    x0: float
    y0: float
    x1: float
    y1: float
    is_caption: bool = False
    _joined: str | None = None

    @property
    def joined(self) -> str:
        """The block's lines as one paragraph (computed once: page text, sections and links all need it)."""
        if self._joined is None:
            self._joined = join_lines(line.text for line in self.lines)
        return self._joined


@dataclass(slots=True)
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    blocks: list[Block] = field(default_factory=list)  # kept blocks, in reading order
    links: list[tuple[str, tuple[float, float, float, float]]] = field(default_factory=list)
    # Drawn paths as MuPDF reports them: (bbox, stroked). A paper has thousands and only the pages where a
    # heading candidate must be checked look at them, so they are clipped and filtered there (``vectors``).
    drawn: list[DrawnPath] = field(default_factory=list)
    _vectors: list[tuple[float, float, float, float, bool]] | None = None

    @property
    def vectors(self) -> list[tuple[float, float, float, float, bool]]:
        """Drawn paths (x0, y0, x1, y1, stroked) clipped to the page, without backgrounds and figure canvases."""
        if self._vectors is None:
            width, height = self.width, self.height
            largest = _BACKGROUND_SHARE * width * height
            kept = []
            for (x0, y0, x1, y1), stroked in self.drawn:
                if x0 < 0.0 or y0 < 0.0 or x1 > width or y1 > height:  # rare: most drawings lie on the page
                    x0, y0, x1, y1 = max(x0, 0.0), max(y0, 0.0), min(x1, width), min(y1, height)
                if x1 >= x0 and y1 >= y0 and (x1 - x0) * (y1 - y0) < largest:
                    kept.append((x0, y0, x1, y1, bool(stroked)))
            self._vectors = kept
        return self._vectors


@dataclass(slots=True)
class DocumentLayout:
    """Everything later steps need from one PDF, read in a single pass."""

    page_count: int
    pages: list[PageLayout]
    body_size: float
    toc: list[tuple[int, str, int]]
    byte_count: int
    memo: dict[str, Any] = field(default_factory=dict)  # derived results (headings) computed once

    def lines(self) -> Iterable[Line]:
        for page in self.pages:
            for block in page.blocks:
                yield from block.lines


# -- opening -----------------------------------------------------------------------------------------------


def open_pdf(pdf_bytes: bytes) -> pymupdf.Document:
    """Open PDF bytes or raise ``PdfInputError`` with the reason a user can act on."""
    if not pdf_bytes:
        raise PdfInputError("the file is empty (0 bytes); download it again", "empty")
    if b"%PDF-" not in pdf_bytes[:1024]:
        raise PdfInputError(f"not a PDF: the file starts with {pdf_bytes[:16]!r}, not %PDF-", "not_pdf")
    try:
        doc = pymupdf.open(stream=pdf_bytes, filetype="pdf")
    except (RuntimeError, ValueError) as exc:
        raise PdfInputError(f"corrupt PDF: MuPDF cannot open it ({exc})", "corrupt") from exc
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise PdfInputError("the PDF is encrypted and needs a password; it cannot be read", "encrypted")
    # MuPDF silently rebuilds a damaged cross-reference table. A repaired file that also lacks the final
    # %%EOF marker was cut short (an interrupted download): its last pages are missing or garbage.
    if doc.is_repaired and b"%%EOF" not in pdf_bytes[-2048:]:
        doc.close()
        raise PdfInputError(
            f"truncated PDF: {len(pdf_bytes):,} bytes with no %%EOF trailer; download it again", "corrupt"
        )
    if doc.page_count == 0:
        doc.close()
        raise PdfInputError("the PDF has zero pages", "empty")
    return doc


# -- one page ----------------------------------------------------------------------------------------------


def _expand_ligatures(text: str) -> str:
    # isascii is O(1) on CPython and most lines are ASCII; of the rest, few hold a ligature
    if text.isascii() or not _LIGATURE_CHARS.search(text):
        return text
    return text.translate(_LIGATURES)


def _is_bold(faces: FontFaces, font: str, flags: int) -> bool:
    key = (font, flags & pymupdf.TEXT_FONT_BOLD)
    bold = faces.get(key)
    if bold is None:
        bold = faces[key] = bool(key[1]) or bool(_BOLD_FONT.search(font))
    return bold


_GAP_SPAN = {"text": " ", "size": 0.0, "font": "", "flags": 0}


def _merge_same_baseline(lines: list[Line]) -> list[Line]:
    """MuPDF splits a line at a wide gap ("1" and "Introduction"); put such pieces back together.

    A gap wider than a few characters is not inside one line but between columns (a heading in the left
    column, the right column's text on its baseline), or between a table's cells; a lone page number far right
    of a contents entry still joins it.
    """
    if len(lines) < 2:
        return lines
    merged: list[Line] = [lines[0]]
    for line in lines[1:]:
        last = merged[-1]
        # The cheap test first: most lines start left of the previous line's end (the next line of a paragraph).
        # A contents entry's page number sits far right of its title without dot leaders ("1 Introduction   3"):
        # it belongs to the line, or the contents page would not be recognised as one.
        if last.x1 - 1 <= line.x0 and (
            line.x0 <= last.x1 + _MAX_WORD_GAP * max(last.size, line.size) or _PAGE_REFERENCE.match(line.text)
        ):
            overlap = min(last.y1, line.y1) - max(last.y0, line.y0)
            if overlap > 0.6 * min(last.y1 - last.y0, line.y1 - line.y0):
                merged[-1] = Line(
                    last.page, last.x0, min(last.y0, line.y0), line.x1, max(last.y1, line.y1),
                    [*last.raw_spans, _GAP_SPAN, *line.raw_spans],
                    f"{last.text} {line.text}",
                    last.size if last.chars >= line.chars else line.size,
                    last.faces,
                )
                continue
        merged.append(line)
    return merged


def read_page_lines(
    page: pymupdf.Page, number: int, drawn: list[DrawnPath] | None = None, faces: FontFaces | None = None
) -> tuple[list[list[Line]], float, float]:
    """The page's text blocks as lists of horizontal lines, in unrotated page coordinates.

    Lines that run vertically are dropped (the arXiv stamp in the left margin, rotated axis labels) unless
    most of the page is vertical, as on a landscape table page: then they are the content. The boxes of drawn
    paths go to ``drawn`` as (bbox, stroked), unclipped (PageLayout.vectors clips them when asked). ``faces`` is
    the document's font table (a new one when the page is read alone).
    """
    box = page.cropbox
    faces = {} if faces is None else faces
    data = page.get_text("dict", flags=_TEXT_FLAGS)
    raw: list[list[Line]] = []
    vertical: list[Line] = []  # usually empty: a line that does not run left to right
    horizontal_chars = 0
    for block in data["blocks"]:
        kind = block.get("type", 0)
        if kind == _VECTOR_BLOCK and drawn is not None:
            drawn.append((block["bbox"], block.get("stroked")))
        if kind != 0:
            continue
        lines, chars = _block_lines(block, number, faces, vertical)
        horizontal_chars += chars
        if lines:
            raw.append(lines)
    if vertical and sum(len(line.text) for line in vertical) <= horizontal_chars:
        dropped = {id(line) for line in vertical}
        raw = [[line for line in lines if id(line) not in dropped] for lines in raw]
    blocks = [_merge_same_baseline(lines) for lines in raw]
    return [b for b in blocks if b], box.width, box.height


def _block_lines(
    block: dict[str, Any], number: int, faces: FontFaces, vertical: list[Line]
) -> tuple[list[Line], int]:
    """A text block's lines with text, and the characters of those that run left to right; the others are also
    added to ``vertical``. One call per block, not per line: a page has thousands of lines."""
    lines: list[Line] = []
    horizontal_chars = 0
    for line in block["lines"]:
        spans = line["spans"]
        if len(spans) == 1:
            span = spans[0]
            text = span["text"]
            size = span["size"]
        else:
            text = "".join([s["text"] for s in spans])
            size, longest = 0.0, -1
            for span in spans:  # a plain loop: max(key=...) costs more on ~100k spans
                if len(span["text"]) > longest:
                    size, longest = span["size"], len(span["text"])
        text = " ".join(_expand_ligatures(text).split())
        if not text:
            continue
        x0, y0, x1, y1 = line["bbox"]
        read = Line(number, x0, y0, x1, y1, spans, text, round(size, 1), faces)
        lines.append(read)
        direction = line["dir"][0]
        if direction > 0.9 or direction < -0.9:
            horizontal_chars += len(text)
        else:
            vertical.append(read)
    return lines, horizontal_chars


# -- cleaning ---------------------------------------------------------------------------------------------


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def find_running_lines(pages: Sequence[tuple[list[list[Line]], float, float]]) -> set[str]:
    """Texts (digits folded) that repeat in the top or bottom band of many pages: headers and footers."""
    seen: Counter[str] = Counter()
    for blocks, _, height in pages:
        keys = {
            _margin_key(line.text)
            for block in blocks
            for line in block
            if line.y1 < height * _MARGIN_BAND or line.y0 > height * (1 - _MARGIN_BAND)
        }
        seen.update(keys)
    threshold = max(2, int(0.3 * len(pages)))
    return {key for key, count in seen.items() if count >= threshold and len(pages) >= 2}


def _review_line_number_ids(blocks: Sequence[Sequence[Line]], height: float) -> set[int]:
    """Lone integers stacked in one vertical ruler down most of the page: a review copy's line numbers."""
    by_column: defaultdict[int, list[Line]] = defaultdict(list)
    for block in blocks:
        for line in block:
            if line.text[0].isdigit() and _LONE_INTEGER.match(line.text):
                by_column[round(line.x1 / 6)].append(line)
    dropped: set[int] = set()
    for column in by_column.values():
        if len(column) >= 15 and max(c.y1 for c in column) - min(c.y0 for c in column) > 0.5 * height:
            dropped.update(id(c) for c in column)
    return dropped


def clean_page(
    blocks: list[list[Line]], width: float, height: float, running: set[str]
) -> list[Block]:
    ruler = _review_line_number_ids(blocks, height)
    kept: list[Block] = []
    for lines in blocks:
        body = []
        for line in lines:
            in_margin = line.y1 < height * _MARGIN_BAND or line.y0 > height * (1 - _MARGIN_BAND)
            if id(line) in ruler:
                continue
            if in_margin and (_margin_key(line.text) in running or _PAGE_NUMBER.match(line.text)):
                continue
            body.append(line)
        for part in _split_at_captions(body):
            kept.append(_block_of(part))
    return kept


def _block_of(lines: list[Line]) -> Block:
    """A block around its lines (one loop: four min/max generator passes cost more on short blocks)."""
    first = lines[0]
    x0, y0, x1, y1 = first.x0, first.y0, first.x1, first.y1
    for line in lines:
        if line.x0 < x0:
            x0 = line.x0
        if line.y0 < y0:
            y0 = line.y0
        if line.x1 > x1:
            x1 = line.x1
        if line.y1 > y1:
            y1 = line.y1
    caption = first.text[0] in _CAPTION_INITIALS and bool(_CAPTION.match(first.text))
    return Block(lines, x0, y0, x1, y1, is_caption=caption)


def _split_at_captions(lines: list[Line]) -> list[list[Line]]:
    """A caption that MuPDF glued to the paragraph above it starts a block of its own."""
    parts: list[list[Line]] = []
    for line in lines:
        starts_caption = (
            bool(parts)
            and line.text[0] in _CAPTION_INITIALS
            and _CAPTION.match(line.text)
            and parts[-1][-1].text.endswith((".", ":"))
        )
        if not parts or starts_caption:
            parts.append([line])
        else:
            parts[-1].append(line)
    return [part for part in parts if part]


# -- reading order ---------------------------------------------------------------------------------------


def _column_sides(blocks: list[Block]) -> tuple[list[str], Counter[str]]:
    """Each block's side ("left", "right" or "full": across the middle) and the characters on each side."""
    left_edge = min(b.x0 for b in blocks)
    right_edge = max(b.x1 for b in blocks)
    span = max(right_edge - left_edge, 1.0)
    middle = (left_edge + right_edge) / 2
    slack = 0.04 * span
    sides = []
    chars: Counter[str] = Counter()
    for block in blocks:
        if block.x1 <= middle + slack:
            where = "left"
        elif block.x0 >= middle - slack:
            where = "right"
        else:
            where = "full"
        sides.append(where)
        chars[where] += sum([len(line.text) for line in block.lines])
    return sides, chars


def _both_columns_filled(chars: Counter[str]) -> bool:
    total = sum(chars.values()) or 1
    return chars["left"] > 0.2 * total and chars["right"] > 0.2 * total


def order_blocks(
    blocks: list[Block],
    width: float,
    *,
    two_column_document: bool = False,
    sides: tuple[list[str], Counter[str]] | None = None,
) -> list[Block]:
    """Reading order: in a two-column page the left column, then the right, between full-width blocks.

    Full-width blocks (title, wide figures and tables, their captions) cut the page into bands; inside each
    band the left column is read before the right one. A page of a two-column paper whose one column holds
    little text (the rest is a table or an image) is still read column by column, as long as most of its text
    sits in the columns.
    """
    if len(blocks) < 2:
        return blocks
    sides, chars = sides or _column_sides(blocks)
    two_columns = _both_columns_filled(chars)
    if not two_columns and two_column_document:
        two_columns = chars["left"] > 0 and chars["right"] > 0 and chars["full"] < 0.5 * sum(chars.values())
    ordered_by_y = sorted(zip(blocks, sides, strict=True), key=lambda item: (item[0].y0, item[0].x0))
    if not two_columns:
        return [block for block, _ in ordered_by_y]

    ordered: list[Block] = []
    left: list[Block] = []
    right: list[Block] = []
    for block, where in ordered_by_y:
        if where == "full":
            ordered.extend(left)
            ordered.extend(right)
            left, right = [], []
            ordered.append(block)
        elif where == "left":
            left.append(block)
        else:
            right.append(block)
    ordered.extend(left)
    ordered.extend(right)
    return ordered


# -- text ---------------------------------------------------------------------------------------------------


def join_lines(lines: Iterable[str]) -> str:
    """Join a paragraph's lines, undoing end-of-line hyphenation but keeping real hyphens.

    "repre-" + "sentation" gives "representation"; "state-of-the-" + "art" and "RGB-" + "D" keep the hyphen
    (a compound already hyphenated, or a capital or digit after the break).
    """
    out = ""
    for raw in lines:
        line = _expand_ligatures(raw.strip())
        if not line:
            continue
        if not out:
            out = line
            continue
        if out.endswith(_HYPHENS) and len(out) >= 2 and out[-2].isalpha():
            fragment = out.rsplit(" ", 1)[-1][:-1]
            if line[0].islower() and "-" not in fragment and "/" not in fragment:
                out = out[:-1] + line
            else:
                out = out[:-1] + "-" + line
        elif out.endswith("/") and "/" in out.rsplit(" ", 1)[-1]:
            out += line  # a URL or path broken after a slash
        else:
            out += " " + line
    return out


def block_text(block: Block) -> str:
    return CAPTION_MARK + block.joined if block.is_caption else block.joined


def page_text(page: PageLayout) -> str:
    return "\n\n".join(block_text(block) for block in page.blocks)


# -- the document -------------------------------------------------------------------------------------------


def _body_font_size(pages: Sequence[PageLayout]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for block in page.blocks:
            for line in block.lines:
                sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _page_links(page: pymupdf.Page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """External link annotations, walked on MuPDF's own link chain.

    ``page.first_link`` / ``link.next`` look up annotation xrefs for every link (measured: about 6 times the
    cost of this walk, and 2% of the whole extraction on the corpus).
    """
    mupdf = pymupdf.mupdf
    this = page.this if isinstance(page.this, mupdf.FzPage) else mupdf.FzPage(page.this)
    found = []
    link = mupdf.fz_load_links(this)
    while link.m_internal:
        uri = link.uri()
        if uri and mupdf.fz_is_external_link(uri):
            rect = link.rect()
            found.append((str(uri), (rect.x0, rect.y0, rect.x1, rect.y1)))
        link = link.next()
    return found


def _read_pages(
    doc: pymupdf.Document, count: int, deadline: float, drawn: list[list[DrawnPath]]
) -> tuple[list[tuple[list[list[Line]], float, float]], list[list[tuple[str, tuple[float, float, float, float]]]]]:
    raw_pages = []
    links = []
    faces: FontFaces = {}
    for index in range(count):
        if time.monotonic() > deadline:
            raise PdfInputError(
                f"extraction hit the time cap after {index} of {count} pages (extract_time_cap_seconds)", "timeout"
            )
        try:
            page = doc.load_page(index)
            drawn.append([])
            raw_pages.append(read_page_lines(page, index + 1, drawn[-1], faces))
            links.append(_page_links(page))
        except (RuntimeError, ValueError) as exc:
            raise PdfInputError(f"corrupt PDF: page {index + 1} cannot be read ({exc})", "corrupt") from exc
    return raw_pages, links


def read_layout(doc: pymupdf.Document, *, page_cap: int, deadline: float, byte_count: int = 0) -> DocumentLayout:
    """Read up to ``page_cap`` pages before ``deadline`` (time.monotonic()); raise on timeout."""
    count = min(doc.page_count, max(page_cap, 1))
    # A page's "dict" is thousands of small containers without cycles; letting the cyclic collector rescan them
    # after every few thousand allocations costs more than reading the page. So the collector is off while
    # reading, and what was read is then moved out of its reach (gc.freeze): left in the young generation,
    # the first collections after re-enabling would scan all of it two or three times (measured: ~10% of the
    # extraction). It holds no cycles, so reference counting still frees it; the previous document's frozen
    # objects go back to the oldest generation first, so nothing stays out of the collector's reach for long.
    collecting = gc.isenabled()
    gc.disable()
    try:
        gc.unfreeze()
        drawn: list[list[DrawnPath]] = []
        raw_pages, links = _read_pages(doc, count, deadline, drawn)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    running = find_running_lines(raw_pages)
    cleaned = [clean_page(blocks, width, height, running) for blocks, width, height in raw_pages]
    sides = [_column_sides(kept) if len(kept) >= 2 else None for kept in cleaned]
    with_text = sum(1 for kept in cleaned if kept)
    two_column_pages = sum(1 for page_sides in sides if page_sides and _both_columns_filled(page_sides[1]))
    two_column_document = two_column_pages >= max(2, with_text / 2)
    pages = []
    for number, ((_, width, height), kept, page_sides, page_links, paths) in enumerate(
        zip(raw_pages, cleaned, sides, links, drawn, strict=True), start=1
    ):
        ordered = order_blocks(kept, width, two_column_document=two_column_document, sides=page_sides)
        pages.append(PageLayout(number, width, height, ordered, page_links, paths))
    try:
        toc = [(int(level), str(title), int(page)) for level, title, page, *_ in doc.get_toc(simple=True)]
    except (RuntimeError, ValueError):
        toc = []  # a broken outline is not worth failing the paper: headings come from typography then
    return DocumentLayout(doc.page_count, pages, _body_font_size(pages), toc, byte_count)


def read_document(pdf_bytes: bytes, *, page_cap: int = 300, time_cap_seconds: float = 60.0) -> DocumentLayout:
    """The document's layout (pure: bytes in, layout out); raises PdfInputError. Whoever needs the layout twice
    (text, then sections and links) keeps it: reading.read_paper reads each PDF once."""
    deadline = time.monotonic() + time_cap_seconds
    doc = open_pdf(pdf_bytes)
    try:
        return read_layout(doc, page_cap=page_cap, deadline=deadline, byte_count=len(pdf_bytes))
    finally:
        doc.close()


def extraction_of(layout: DocumentLayout, *, sha256: str, started: float) -> Extraction:
    """Per-page clean text of a layout read since ``started`` (time.perf_counter())."""
    texts = tuple(PageText(page=page.number, text=page_text(page)) for page in layout.pages)
    chars = sum(len(t.text) for t in texts)
    has_text = chars >= _MIN_CHARS_PER_PAGE * max(len(texts), 1)
    return Extraction(
        sha256=sha256,
        status=Status.OK if has_text else Status.NO_TEXT_LAYER,
        pages=layout.page_count,
        text_chars=chars,
        has_text_layer=has_text,
        page_texts=texts,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
    )


def extract_document(pdf_bytes: bytes, *, sha256: str, page_cap: int, time_cap_seconds: float) -> Extraction:
    """Per-page clean text. Status "ok", or "no_text_layer" for a scanned PDF; raises PdfExtractionError."""
    started = time.perf_counter()
    layout = read_document(pdf_bytes, page_cap=page_cap, time_cap_seconds=time_cap_seconds)
    return extraction_of(layout, sha256=sha256, started=started)
