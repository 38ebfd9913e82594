"""A paper's teaser figure: the one its caption calls the overview (or else its first figure), cropped from the page.

Pure: a PyMuPDF document in, a box and an image out. The crop starts at the images and drawings next to the caption
in the caption's column and grows away from it while the next part is close, never past a paragraph of body text
or another caption; the figure's own text (sub-captions, axis labels, a heading over its images) joins it, running
heads never do. Precision comes first: no caption, no graphics next to the caption, a box too small, a frame or a
few rules, a box that is mostly text or has no ink all give no figure, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import pymupdf

FIGURE_METHOD_VERSION = "figure-crop-1"

# Where a teaser is: most papers put Figure 1 or their overview figure on the first pages.
FIRST_PAGES = 4
MAX_SIDE_PX = 1200
MAX_BYTES = 250_000
MAX_CAPTION_CHARS = 600

_CAPTION = re.compile(r"^\s*(?:Figure|Fig\.|FIGURE|FIG\.)\s*(?P<number>\d{1,2})\s*(?::|\.|\||—|-\s)", re.ASCII)
_OTHER_CAPTION = re.compile(r"^\s*(?:Figure|Fig\.|FIGURE|FIG\.|Table|TABLE|Algorithm)\s*\d", re.ASCII)
_SUB_LABEL = re.compile(r"^\s*\(([a-h]|[ivx]{1,3})\)\s")
_OVERVIEW = re.compile(r"\b(overview|pipeline|framework|architecture|teaser|illustration of our)", re.IGNORECASE)

_OVERVIEW_WORDS = 6

# Page geometry, in points.
_MAX_GAP_TO_CAPTION = 48.0  # axis labels and sub-captions sit between a plot and its caption
_MIN_FIGURE_HEIGHT = 36.0
_MIN_WIDTH_SHARE = 0.2  # of the column
_MAX_TEXT_SHARE = 0.45  # a crop whose area is more text than this outside drawn boxes is a text block
_MARGIN_BAND = 0.05  # headers and footers: drawings inside the top/bottom 5 % of the page are page furniture
_PAD = 3.0
_INK_DPI = 48  # enough to find where a figure's ink ends, cheap to scan in Python
_PAPER_WHITE = 235  # grey level below which a pixel is ink, not paper
_HEADER_BAND = 0.1  # running heads (and page numbers) live in the top of the page; never a figure's label
_LABEL_GAP = 8.0  # a heading over a figure's images sits this close; an author block above a teaser does not
_LABEL_ROWS = 2  # a heading over a figure is a row or two; an author block above a teaser is more
_CLUSTER_GAP = 24.0  # between two parts of one figure; a decoration or another float lies farther away


@dataclass(frozen=True)
class Caption:
    page: int  # 0-based
    number: int
    text: str
    rect: pymupdf.Rect

    @property
    def says_overview(self) -> bool:
        label = _CAPTION.match(self.text)
        rest = self.text[label.end():] if label else self.text
        # "Overview of our method", "The VideoGen inference pipeline", "Model architecture": the caption says so at
        # once; "The upper is a simplified image signal processing pipeline" describes background, not the paper.
        opening = " ".join(re.split(r"(?<=[.!?])\s", rest, maxsplit=1)[0].split()[:_OVERVIEW_WORDS])
        return bool(_OVERVIEW.search(opening))


@dataclass(frozen=True)
class FigureCrop:
    page: int  # 0-based
    number: int
    caption: str
    bbox: tuple[float, float, float, float]  # in PDF points on the page


@dataclass(frozen=True)
class RenderedFigure:
    data: bytes
    extension: str  # "jpg" | "png"
    width: int
    height: int


@dataclass(frozen=True)
class TeaserImage:
    """What the figure step stores: where the figure is, and its picture."""

    crop: FigureCrop
    image: RenderedFigure


@dataclass(frozen=True)
class _TextBlock:
    rect: pymupdf.Rect
    text: str
    lines: int  # rows of text
    span_area: float


def _text_blocks(page: pymupdf.Page) -> list[_TextBlock]:
    blocks = []
    stamp_edge = page.rect.width * 0.08
    for block in page.get_text("dict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE)["blocks"]:
        if block.get("type") != 0:
            continue
        # Rotated text is kept (a plot's y-axis label) except the arXiv stamp in the left margin.
        lines = [line for line in block["lines"] if line["dir"][0] > 0.9 or line["bbox"][2] > stamp_edge]
        if not lines:
            continue
        text = " ".join(" ".join(span["text"] for span in line["spans"]) for line in lines)
        text = " ".join(text.split())
        if not text:
            continue
        area = sum(pymupdf.Rect(span["bbox"]).get_area() for line in lines for span in line["spans"])
        rows = len({round(line["bbox"][3] / 3) for line in lines})  # sub-captions side by side are one row
        caption_line = next((i for i, line in enumerate(lines) if i and _CAPTION.match(_line_text(line))), None)
        if caption_line is not None and all(len(_line_text(line)) < 40 for line in lines[:caption_line]):
            # Figure labels merged into the caption's block: the caption starts at its own line.
            head, lines = lines[:caption_line], lines[caption_line:]
            blocks.append(_block_of(head))
            blocks.append(_block_of(lines))
            continue
        blocks.append(_TextBlock(pymupdf.Rect(block["bbox"]), text, rows, area))
    return blocks


def _line_text(line: dict) -> str:
    return " ".join(" ".join(span["text"] for span in line["spans"]).split())


def _block_of(lines: Sequence[dict]) -> _TextBlock:
    rect = pymupdf.Rect(lines[0]["bbox"])
    for line in lines[1:]:
        rect |= pymupdf.Rect(line["bbox"])
    area = sum(pymupdf.Rect(span["bbox"]).get_area() for line in lines for span in line["spans"])
    rows = len({round(line["bbox"][3] / 3) for line in lines})
    return _TextBlock(rect, " ".join(_line_text(line) for line in lines), rows, area)


BlocksOf = Callable[[int], list[_TextBlock]]


def _page_blocks(doc: pymupdf.Document) -> BlocksOf:
    """Each page's text blocks, read once: captions, running heads and the crop all look at the same pages."""
    read: dict[int, list[_TextBlock]] = {}

    def blocks_of(index: int) -> list[_TextBlock]:
        if index not in read:
            read[index] = _text_blocks(doc[index])
        return read[index]

    return blocks_of


def find_captions(doc: pymupdf.Document, pages: int = FIRST_PAGES, blocks_of: BlocksOf | None = None) -> list[Caption]:
    """Figure captions ("Figure 1:", "Fig. 1.", "Figure 1 |") that start a text block, in reading order."""
    blocks_of = blocks_of or _page_blocks(doc)
    captions = []
    for index in range(min(pages, doc.page_count)):
        for block in blocks_of(index):
            match = _CAPTION.match(block.text)
            if match:
                captions.append(Caption(index, int(match["number"]), block.text[:MAX_CAPTION_CHARS], block.rect))
    return captions


def _candidates(captions: Sequence[Caption]) -> Iterator[Caption]:
    """The overview figure first (by number), then the first figure; each figure number once."""
    seen: set[int] = set()
    ordered = sorted((c for c in captions if c.says_overview), key=lambda c: c.number)
    ordered += sorted(captions, key=lambda c: c.number)[:1]
    for caption in ordered:
        if caption.number not in seen:
            seen.add(caption.number)
            yield caption


def _column(page: pymupdf.Page, caption: pymupdf.Rect, blocks: Sequence[_TextBlock]) -> pymupdf.Rect:
    """The horizontal band the figure may occupy: the caption's column, or the text width for a centred caption."""
    width = page.rect.width
    body = [b.rect for b in blocks if b.lines >= 2] or [caption]
    left = max(0.0, min(r.x0 for r in body) - 6)
    right = min(width, max(r.x1 for r in body) + 6)
    middle = (left + right) / 2
    centre = (caption.x0 + caption.x1) / 2
    narrow = [b.rect for b in blocks if b.lines >= 3 and b.rect.width < 0.55 * (right - left)]
    two_columns = any(r.x1 < middle + 5 for r in narrow) and any(r.x0 > middle - 5 for r in narrow)
    spans_both = caption.width > 0.55 * (right - left) or abs(centre - middle) < 0.06 * (right - left)
    if spans_both or not two_columns:  # a short caption set flush left on a one-column page still spans it
        return pymupdf.Rect(left, 0, right, page.rect.height)
    if centre < middle:
        return pymupdf.Rect(left, 0, middle, page.rect.height)
    return pymupdf.Rect(middle, 0, right, page.rect.height)


def _graphic_rects(page: pymupdf.Page) -> list[tuple[pymupdf.Rect, bool]]:
    """Boxes of images (True) and vector drawings (False), without page furniture and invisible marks."""
    page_rect = page.rect
    band = page_rect.height * _MARGIN_BAND
    head_band = page_rect.height * _HEADER_BAND
    rects: list[tuple[pymupdf.Rect, bool]] = []
    for info in page.get_image_info():
        rect = pymupdf.Rect(info["bbox"]) & page_rect
        if rect.is_empty or rect.get_area() > 0.9 * page_rect.get_area() or min(rect.width, rect.height) < 4:
            continue
        rects.append((rect, True))
    for drawing in page.get_drawings():
        x0, y0, x1, y1 = drawing["rect"]  # lines have an empty (zero-height) box: keep them, they draw plots
        rect = pymupdf.Rect(max(x0, 0), max(y0, 0), min(x1, page_rect.x1), min(y1, page_rect.y1))
        if rect.x1 < rect.x0 or rect.y1 < rect.y0 or (rect.width < 0.5 and rect.height < 0.5):
            continue
        if rect.get_area() > 0.8 * page_rect.get_area():
            continue  # a page background or frame
        if rect.y1 < band or rect.y0 > page_rect.height - band:
            continue
        if rect.height < 1.5 and rect.width > 0.5 * page_rect.width and rect.y1 < head_band:
            continue  # the rule under a running head
        fill = drawing.get("fill")
        if drawing.get("color") is None and fill is not None and min(fill) > 0.98:
            continue  # white boxes that only paint over the background
        rects.append((rect, False))
    return rects


def _is_body_text(block: _TextBlock, column: pymupdf.Rect, graphics: Sequence[pymupdf.Rect]) -> bool:
    """A paragraph of the paper (not a label inside a figure): wide, several lines, not inside a drawn box."""
    if _OTHER_CAPTION.match(block.text):
        return True
    if block.lines < 2 or _SUB_LABEL.match(block.text) or len(block.text) < 120:
        return False
    if block.rect.width < 0.7 * column.width:
        return False
    inner = pymupdf.Rect(block.rect).intersect(column)
    return not any(_within(inner, g, 2.0) for g in graphics)


def _clip_band(page: pymupdf.Page, column: pymupdf.Rect) -> pymupdf.Rect:
    """Where a figure may reach: across the page margins (axis labels hang out), never into the other column."""
    centre = page.rect.width / 2
    left = 0.0 if column.x0 < centre - 0.25 * page.rect.width else column.x0
    right = page.rect.width if column.x1 > centre + 0.25 * page.rect.width else column.x1
    return pymupdf.Rect(left, 0, right, page.rect.height)


def _overlap_x(rect: pymupdf.Rect, column: pymupdf.Rect) -> bool:
    centre = (rect.x0 + rect.x1) / 2
    return column.x0 - 2 <= centre <= column.x1 + 2


def running_heads(doc: pymupdf.Document, pages: int = FIRST_PAGES, blocks_of: BlocksOf | None = None) -> frozenset[str]:
    """Text at the top of two or more of the first pages (the title or authors as a running head)."""
    blocks_of = blocks_of or _page_blocks(doc)
    seen: dict[str, int] = {}
    for index in range(min(pages, doc.page_count)):
        page = doc[index]
        band = page.rect.height * _HEADER_BAND
        for text in {_head_key(b.text) for b in blocks_of(index) if b.rect.y1 <= band}:
            seen[text] = seen.get(text, 0) + 1
    return frozenset(text for text, count in seen.items() if count >= 2)


def _head_key(text: str) -> str:
    return re.sub(r"[\W\d_]+", " ", text).strip().lower()


def locate_figure(page: pymupdf.Page, caption: Caption, heads: frozenset[str] = frozenset(),
                  blocks: Sequence[_TextBlock] | None = None) -> pymupdf.Rect | None:
    """The figure box above (or else below) its caption, or None when no confident box exists."""
    blocks = blocks if blocks is not None else _text_blocks(page)
    column = _column(page, caption.rect, blocks)
    furniture = _furniture(page, blocks, heads)
    graphics = _graphics_below_heads(page, column, furniture)
    boxes = [r for r, _ in graphics]
    in_column = [b for b in blocks if b.rect != caption.rect and _overlap_x(b.rect, column)]
    stoppers = [b.rect for b in in_column if _is_body_text(b, column, boxes)]
    labels = [b for b in in_column if b.rect not in stoppers and b not in furniture]
    for above in (True, False):
        found = _figure_box(caption.rect, graphics, stoppers, labels, above)
        if found is not None:
            found = _with_labels(found, caption.rect, labels, above) & _clip_band(page, column)
            found = _padded(found, caption.rect, above, page.rect)
            if _confident(found, graphics, blocks, column, caption.rect):
                return found
    return None


def _furniture(page: pymupdf.Page, blocks: Sequence[_TextBlock], heads: frozenset[str]) -> list[_TextBlock]:
    """Running heads and page numbers: text at the top of the page that repeats on other pages or has no words."""
    header_band = page.rect.height * _HEADER_BAND
    return [b for b in blocks if b.rect.y1 <= header_band and (_head_key(b.text) in heads or not _head_key(b.text))]


def _graphics_below_heads(page: pymupdf.Page, column: pymupdf.Rect,
                          furniture: Sequence[_TextBlock]) -> list[tuple[pymupdf.Rect, bool]]:
    """The column's images and drawings; those clipped by the page top reach past a running head: the figure
    starts below it."""
    ceiling = max((b.rect.y1 for b in furniture if b.rect.width > 0.3 * column.width), default=0.0)
    return [(pymupdf.Rect(r.x0, max(r.y0, ceiling), r.x1, r.y1), is_image) for r, is_image in _graphic_rects(page)
            if _overlap_x(r, column) and r.y1 > ceiling]


def _figure_box(caption: pymupdf.Rect, graphics: Sequence[tuple[pymupdf.Rect, bool]],
                stoppers: Sequence[pymupdf.Rect], labels: Sequence[_TextBlock], above: bool) -> pymupdf.Rect | None:
    """The graphics next to the caption, grown away from it while the next graphic is near (a label bridges
    only a small gap), never past a paragraph of body text."""
    near = _graphics_above(caption, graphics, stoppers, labels) if above else \
        _graphics_below(caption, graphics, stoppers, labels)
    if near is None:
        return None
    inside, bridges, members = near
    return _grown(_union(members), inside, bridges, above)


# What lies on one side of a caption up to the nearest paragraph: the graphics there, the small labels that may
# bridge a gap between them, and the graphics nearest the caption (where the box starts).
_Near = tuple[list[pymupdf.Rect], list[pymupdf.Rect], list[pymupdf.Rect]]


def _graphics_above(caption: pymupdf.Rect, graphics: Sequence[tuple[pymupdf.Rect, bool]],
                    stoppers: Sequence[pymupdf.Rect], labels: Sequence[_TextBlock]) -> _Near | None:
    limit = max((s.y1 for s in stoppers if s.y1 <= caption.y0 + 1), default=0.0)
    inside = [r for r, _ in graphics if r.y0 >= limit - 1 and r.y1 <= caption.y0 + 2]
    bridges = [b.rect for b in labels if b.lines <= _LABEL_ROWS and b.rect.y0 >= limit - 1
               and b.rect.y1 <= caption.y0 + 1]
    nearest = max((r.y1 for r in inside), default=None)
    if nearest is None or caption.y0 - nearest > _MAX_GAP_TO_CAPTION:
        return None
    return inside, bridges, [r for r in inside if r.y1 >= nearest - 1]


def _graphics_below(caption: pymupdf.Rect, graphics: Sequence[tuple[pymupdf.Rect, bool]],
                    stoppers: Sequence[pymupdf.Rect], labels: Sequence[_TextBlock]) -> _Near | None:
    limit = min((s.y0 for s in stoppers if s.y0 >= caption.y1 - 1), default=float("inf"))
    inside = [r for r, _ in graphics if r.y0 >= caption.y1 - 2 and r.y1 <= limit + 1]
    bridges = [b.rect for b in labels if b.lines <= _LABEL_ROWS and b.rect.y0 >= caption.y1 - 1
               and b.rect.y1 <= limit + 1]
    nearest = min((r.y0 for r in inside), default=None)
    if nearest is None or nearest - caption.y1 > _MAX_GAP_TO_CAPTION:
        return None
    return inside, bridges, [r for r in inside if r.y0 <= nearest + 1]


def _grown(box: pymupdf.Rect, inside: Sequence[pymupdf.Rect], bridges: Sequence[pymupdf.Rect],
           above: bool) -> pymupdf.Rect:
    """The box grown away from the caption by each graphic within _CLUSTER_GAP of it and each label within
    _LABEL_GAP that lies within its width, until nothing more joins."""
    for _ in range(len(inside) + len(bridges)):
        grown = pymupdf.Rect(box)
        for rect, gap in [(r, _CLUSTER_GAP) for r in inside] + [(r, _LABEL_GAP) for r in bridges]:
            distance = box.y0 - rect.y1 if above else rect.y0 - box.y1
            if gap == _LABEL_GAP and not _spans_within(rect, box):
                continue
            if distance <= gap and not _within(rect, grown, 0.0):
                grown = _union([grown, rect])
        if grown == box:
            break
        box = grown
    return box


def _padded(box: pymupdf.Rect, caption: pymupdf.Rect, above: bool, page: pymupdf.Rect) -> pymupdf.Rect:
    """A little white around the figure, never reaching into its caption."""
    padded = pymupdf.Rect(box.x0 - _PAD, box.y0 - _PAD, box.x1 + _PAD, box.y1 + _PAD) & page
    if above:
        padded.y1 = min(padded.y1, caption.y0 - 0.5)
    else:
        padded.y0 = max(padded.y0, caption.y1 + 0.5)
    return padded


def _with_labels(box: pymupdf.Rect, caption: pymupdf.Rect, labels: Sequence[_TextBlock],
                 above: bool) -> pymupdf.Rect:
    """The box grown by the figure's own text: everything between it and its caption (sub-captions, axis
    labels), and labels that touch its far side (column headings over a row of images)."""
    box = pymupdf.Rect(box)
    for _ in range(3):
        grown = pymupdf.Rect(box)
        for block in labels:
            label = block.rect
            if label.x1 < box.x0 - _LABEL_GAP or label.x0 > box.x1 + _LABEL_GAP:
                continue
            between = (label.y0 >= box.y1 - 1 and label.y1 <= caption.y0 + 1) if above else \
                (label.y1 <= box.y0 + 1 and label.y0 >= caption.y1 - 1)
            touching = block.lines <= _LABEL_ROWS and _spans_within(label, box) and (
                (0 <= box.y0 - label.y1 <= _LABEL_GAP) if above else (0 <= label.y0 - box.y1 <= _LABEL_GAP))
            overlapping = label.y0 < box.y1 and label.y1 > box.y0
            if between or touching or overlapping:
                grown |= label
        if grown == box:
            break
        box = grown
    return box


def _spans_within(label: pymupdf.Rect, box: pymupdf.Rect) -> bool:
    """A heading over (or under) a figure lies within the figure's width; text beside it belongs elsewhere."""
    return label.x0 >= box.x0 - _LABEL_GAP and label.x1 <= box.x1 + _LABEL_GAP


def _union(rects: Sequence[pymupdf.Rect]) -> pymupdf.Rect:
    """The bounding box, counting zero-height lines (PyMuPDF's own union skips empty rectangles)."""
    return pymupdf.Rect(min(r.x0 for r in rects), min(r.y0 for r in rects), max(r.x1 for r in rects),
                        max(r.y1 for r in rects))


def _within(inner: pymupdf.Rect, outer: pymupdf.Rect, tolerance: float = 1.0) -> bool:
    return (inner.x0 >= outer.x0 - tolerance and inner.y0 >= outer.y0 - tolerance
            and inner.x1 <= outer.x1 + tolerance and inner.y1 <= outer.y1 + tolerance)


def _confident(box: pymupdf.Rect, graphics: Sequence[tuple[pymupdf.Rect, bool]], blocks: Sequence[_TextBlock],
               column: pymupdf.Rect, caption: pymupdf.Rect) -> bool:
    if box.height < _MIN_FIGURE_HEIGHT or box.width < _MIN_WIDTH_SHARE * column.width:
        return False
    if box.y0 < caption.y1 - 1 and box.y1 > caption.y0 + 1:
        return False  # the caption sits inside the box: not a figure above or below it
    inside = [(r, is_image) for r, is_image in graphics if _within(r, box)]
    image_area = sum((r & box).get_area() for r, is_image in inside if is_image)
    drawings = sum(1 for _, is_image in inside if not is_image)
    if image_area < 0.15 * box.get_area() and drawings < 6:
        return False  # a rule or two (a table's lines, a frame) is not a figure
    boxes = [r for r, _ in inside]
    loose_text = sum(b.span_area for b in blocks if _within(b.rect, box)
                     and not any(_within(b.rect, g) for g in boxes))
    return loose_text <= _MAX_TEXT_SHARE * box.get_area()


def find_teaser(doc: pymupdf.Document) -> FigureCrop | None:
    """The paper's overview figure, else its first figure, on the first pages; None without a confident crop."""
    blocks_of = _page_blocks(doc)
    heads = running_heads(doc, blocks_of=blocks_of)
    for caption in _candidates(find_captions(doc, blocks_of=blocks_of)):
        box = locate_figure(doc[caption.page], caption, heads, blocks_of(caption.page))
        if box is not None:
            return FigureCrop(caption.page, caption.number, caption.text, tuple(round(v, 2) for v in box))
    return None


def _inked(page: pymupdf.Page, clip: pymupdf.Rect) -> pymupdf.Rect | None:
    """The part of the clip that is not blank paper (from a coarse grey rendering), with a little margin."""
    scale = _INK_DPI / 72
    pix = page.get_pixmap(clip=clip, dpi=_INK_DPI, colorspace=pymupdf.csGRAY, alpha=False, annots=False)
    width, height, samples = pix.width, pix.height, pix.samples
    rows = [y for y in range(height) if min(samples[y * pix.stride:y * pix.stride + width]) < _PAPER_WHITE]
    if not rows:
        return None
    columns = [x for x in range(width) if min(samples[x:pix.stride * height:pix.stride]) < _PAPER_WHITE]
    inked = pymupdf.Rect(clip.x0 + columns[0] / scale - _PAD, clip.y0 + rows[0] / scale - _PAD,
                         clip.x0 + (columns[-1] + 1) / scale + _PAD, clip.y0 + (rows[-1] + 1) / scale + _PAD)
    return inked & clip


def render_crop(doc: pymupdf.Document, crop: FigureCrop, max_side: int = MAX_SIDE_PX,
                max_bytes: int = MAX_BYTES) -> RenderedFigure | None:
    """The crop as a JPEG (or a PNG when smaller: line art), longest side <= max_side and at most max_bytes."""
    page = doc[crop.page]
    clip = _inked(page, pymupdf.Rect(crop.bbox) & page.rect)
    if clip is None:
        return None  # nothing visible in the box (white shapes, clipped-away images): not a figure
    side = max(clip.width, clip.height)
    dpi = min(200.0, max_side * 72 / side)
    for _ in range(8):
        # Without annotations: a reader's ink or stamps on the copy are not the paper's figure.
        pix = page.get_pixmap(clip=clip, dpi=max(int(dpi), 20), alpha=False, annots=False)
        if max(pix.width, pix.height) > max_side:
            dpi *= 0.97
            continue
        for quality in (85, 75, 65, 50):
            jpeg = pix.tobytes("jpeg", jpg_quality=quality)
            if len(jpeg) <= max_bytes:
                png = pix.tobytes("png")
                if len(png) < len(jpeg):
                    return RenderedFigure(png, "png", pix.width, pix.height)
                return RenderedFigure(jpeg, "jpg", pix.width, pix.height)
        dpi *= 0.75
    return None


def teaser_from_file(path: str, max_side: int = MAX_SIDE_PX, max_bytes: int = MAX_BYTES) -> TeaserImage | None:
    """The teaser of a PDF on disk, found and rendered (None: no confident figure, or none fits the size cap).

    A path, not bytes, so a worker process reads the file itself; raises what MuPDF raises on a broken file.
    """
    with pymupdf.open(path) as doc:
        crop = find_teaser(doc)
        if crop is None:
            return None
        image = render_crop(doc, crop, max_side, max_bytes)
        return TeaserImage(crop, image) if image is not None else None
