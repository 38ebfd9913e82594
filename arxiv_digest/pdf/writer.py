"""Writing PDF pages with PyMuPDF: the one core behind the sample day's papers and the tests' PDFs.

Fonts: "helv" / "hebo" (Helvetica / Helvetica-Bold) are built into every PDF viewer and into MuPDF, so the
files need no font files and the bold flag of headings survives extraction. Saving is the caller's: the sample
day saves reproducibly, the tests keep the plain bytes they cut and corrupt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pymupdf

A4 = (595.0, 842.0)
MARGIN = 56.0
BODY = 10.0
REGULAR, BOLD = "helv", "hebo"

Box = tuple[float, float, float, float]


def new_page(doc: pymupdf.Document) -> pymupdf.Page:
    return doc.new_page(width=A4[0], height=A4[1])


def write_line(page: pymupdf.Page, x: float, y: float, text: str, size: float = BODY, bold: bool = False) -> None:
    """One line of text with its baseline at (x, y)."""
    page.insert_text((x, y), text, fontsize=size, fontname=BOLD if bold else REGULAR)


def write_block(page: pymupdf.Page, y: float, text: str, *, x0: float, x1: float, size: float, bold: bool = False,
                bottom: float = A4[1] - MARGIN) -> float:
    """Text wrapped between x0 and x1 from y down; the y below it."""
    rect = pymupdf.Rect(x0, y, x1, bottom)
    spare = page.insert_textbox(rect, text, fontsize=size, fontname=BOLD if bold else REGULAR, align=0)
    used = rect.height - spare if spare >= 0 else rect.height
    return y + used + size * 0.8


def write_link(page: pymupdf.Page, box: Box | pymupdf.Rect, uri: str) -> None:
    """A link annotation over ``box``, as a PDF's hyperlinks are."""
    page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(box), "uri": uri})


@dataclass
class PagePlan:
    """Lines to place on one page: (x, y, text, size, bold)."""

    lines: list[tuple[float, float, str, float, bool]] = field(default_factory=list)
    links: list[tuple[Box, str]] = field(default_factory=list)
    rotation: int = 0
    strokes: list[Box] = field(default_factory=list)  # lines and boxes drawn

    def rule(self, x0: float, y: float, x1: float) -> PagePlan:
        """A horizontal rule, as a table's top, middle and bottom rules are drawn."""
        self.strokes.append((x0, y, x1, y))
        return self

    def box(self, x0: float, y0: float, x1: float, y1: float) -> PagePlan:
        self.strokes.append((x0, y0, x1, y1))
        return self

    def text(self, x: float, y: float, text: str, size: float = BODY, bold: bool = False) -> PagePlan:
        self.lines.append((x, y, text, size, bold))
        return self

    def paragraph(self, x: float, y: float, rows: Sequence[str], size: float = BODY, leading: float = 12.0) -> float:
        for row in rows:
            self.text(x, y, row, size)
            y += leading
        return y + leading / 2


def write_page(doc: pymupdf.Document, plan: PagePlan) -> pymupdf.Page:
    """A new A4 page with the plan's lines, strokes and links, then its rotation."""
    page = new_page(doc)
    for x, y, text, size, bold in plan.lines:
        write_line(page, x, y, text, size, bold)
    for x0, y0, x1, y1 in plan.strokes:
        if y0 == y1:
            page.draw_line((x0, y0), (x1, y1), width=0.6)
        else:
            page.draw_rect(pymupdf.Rect(x0, y0, x1, y1), width=0.6)
    for box, uri in plan.links:
        write_link(page, box, uri)
    if plan.rotation:
        page.set_rotation(plan.rotation)
    return page
