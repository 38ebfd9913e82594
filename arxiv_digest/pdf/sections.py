"""Split a paper into its printed sections.

Sections come from the PDF outline when it agrees with the printed text (its titles are found on the pages it
names), and from typography and numbering otherwise ("1 Introduction", "3.2. Method Details",
"II. RELATED WORK", unnumbered "Abstract" / "References" / "Acknowledgments", statement sections such as
"Ethics Statement", "Appendix A" / "APPENDIX A: TITLE"). A line styled and numbered like a heading must also be
placed like one: alone on its baseline in its column, at the column's left edge or centred, not continuing a
sentence of the paragraph above, not on a table of contents page, and not framed by or sandwiched between
drawn paths (table rules, figure panels; the paths come from the same text pass). A rejected line does not move
the numbering sequence on. Every section has a level (1 top-level, 2 subsection, 3 ...), from its numbering or
its kind. Each section gets a normalized label so later steps can ask for "the method" or "the experiments" of
any paper.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pymupdf

from arxiv_digest.pdf.layout import (
    CAPTION_MARK,
    Block,
    DocumentLayout,
    Line,
    block_text,
    join_lines,
    read_document,
)
from schemas.records import Extraction, Section, Status

# -- labels --------------------------------------------------------------------------------------------------

# The earliest keyword in a title decides its label: "Limitations and Future Work" is limitations,
# "Conclusions and Future Work" a conclusion, "Related Work and Our Contributions" related work.
_LABEL_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"abstract\b", "abstract"),
    (r"references|bibliography|literature cited|works cited", "references"),
    (r"appendix|appendices|supplementary|supplemental", "appendix"),
    (r"acknowledge?ments?|acknowledg", "other"),
    (r"introduction|motivation", "introduction"),
    (r"related work|prior work|previous work|literature review|related literature|background|related research|"
     r"prior literature|previous literature", "related_work"),
    # Proofs about the method are the method, not its results ("4 Theoretical Results").
    (r"theoretical|theory\b|convergence analysis", "method"),
    (r"limitation", "limitations"),
    (r"conclusion|concluding|summary and|closing remarks", "conclusion"),
    (r"discussion|advantages and disadvantages|pros and cons", "discussion"),
    # A comparison that is the section's subject is a result ("6.1 Flare Removal Comparison", "Comparison on the
    # multimodal task", "Comparing to large video models"); "Comparing A and B" is an analysis, and a comparison
    # with the literature is not one ("1.4 Comparison to prior literature").
    (r"results?\b|comparison with|comparisons|comparison$|comparison on|comparing to", "results"),
    (r"experiment|evaluation|empirical|benchmark|ablation|user stud|case stud|implementation details|"
     r"experimental setup|setup|datasets?\b|study", "experiments"),
    (r"method|approach|model\b|models\b|architecture|framework|algorithm|proposed|formulation|design|overview|"
     r"preliminaries|problem statement|problem definition|our ", "method"),
)
_LABEL_RE = re.compile(
    "|".join(f"(?P<g{i}>\\b(?:{pattern}))" for i, (pattern, _) in enumerate(_LABEL_KEYWORDS))
)
# A subsection named after one of these is about that, whatever its parent; any other takes its parent's label
# ("7.1 Architectures" inside Experiments is part of the experiments).
_SUBSECTION_OWN_LABELS = {"related_work", "limitations", "results"}
_NUMBERING = re.compile(
    r"^\s*(?:appendix\s+)?(?:(?:\d{1,2}(?:\s*\.\s*\d{1,2}){0,3}|[A-Z](?:\s*\.\s*\d{1,2}){0,3}|[IVX]{1,5})"
    r"(?:\s*[.:)]|\s)\s*)",
)


_LETTER_NUMBERED = re.compile(r"^\s*[A-Z]\.?\d{1,2}(?:\.\d{1,2})*\.?\s")


def strip_numbering(title: str) -> str:
    stripped = _NUMBERING.sub("", title, count=1).strip()
    return stripped or title.strip()


def label_for(title: str) -> str:
    """A normalized label from the title's own words alone ("other" when they say nothing)."""
    if re.match(r"^\s*appendix\b", title, re.I) or _LETTER_NUMBERED.match(title):
        return "appendix"  # "Appendix B", "A.1 Proofs", "A2.1. Settings": numbered with a letter
    words = strip_numbering(title).lower()
    # A section that concludes is the conclusion, whatever else it names ("Discussion and Conclusion",
    # "Conclusion and Limitations"); otherwise "Limitations" wins over what comes with it ("Limitations and
    # Future Work", "Study 1 Limitations").
    if re.search(r"\b(?:conclusions?|concluding)\b", words):
        return "conclusion"
    if re.search(r"\blimitations?\b", words):
        return "limitations"
    match = _LABEL_RE.search(words)
    if not match:
        return "other"
    for name, value in match.groupdict().items():
        if value is not None:
            return _LABEL_KEYWORDS[int(name[1:])][1]
    return "other"  # pragma: no cover


_LETTER_SECTION = re.compile(r"^\s*(?:appendix\s+)?[A-Z](?:\s?[.:])?\s+[A-Z0-9]")
_EXPERIMENT_PART = re.compile(
    r"\b(?:experimental setup|setup|set-up|settings|results|implementation details|baselines)\b", re.I
)


def _runs_experiments(titles: Sequence[str], levels: Sequence[int]) -> list[bool]:
    """For each top-level section: do at least two of its subsections name a set-up or results?"""
    found = [False] * len(titles)
    parent = -1
    parts = 0
    for i, (title, level) in enumerate(zip(titles, levels, strict=True)):
        if level == 1:
            parent, parts = i, 0
        elif parent >= 0 and _EXPERIMENT_PART.search(strip_numbering(title)):
            parts += 1
            found[parent] = parts >= 2
    return found


def _mark_letter_appendices(titles: Sequence[str], levels: Sequence[int], labels: list[str]) -> None:
    """A top-level section numbered with a lone letter ("A Proofs", "B. More Results") after sections numbered
    with digits is an appendix, whatever its title says; IEEE's "A. Setup" subsections are level 2 and stay."""
    numbered = False
    for i, (title, level) in enumerate(zip(titles, levels, strict=True)):
        if level == 1 and re.match(r"^\s*\d", title):
            numbered = True
        elif level == 1 and numbered and _LETTER_SECTION.match(title):
            labels[i] = "appendix"


def _first_numbered(titles: Sequence[str], levels: Sequence[int]) -> int:
    """The first top-level section numbered "1" (or "I"), -1 when there is none."""
    return next((i for i, (t, lv) in enumerate(zip(titles, levels, strict=True))
                 if lv == 1 and re.match(r"^\s*(?:1|I)\b\.?\s", t)), -1)


@dataclass
class _PositionLabels:
    """Labels from place, section by section in reading order: what comes before tells what a title does not."""

    acknowledgments: list[bool]
    runs_experiments: list[bool]
    first_numbered: int  # where no section is named the introduction, the first one numbered "1" is it
    seen_intro: bool = False
    seen_evaluation: bool = False
    after_references: bool = False
    parent: str = "other"  # the label of the current top-level section

    def label(self, i: int, label: str, level: int) -> str:
        if label == "references":
            self.after_references = True
            self.parent = label
            return label
        label = self._by_place(i, label, level)
        if label in {"introduction", "related_work", "method"}:
            self.seen_intro = True
        if label in {"experiments", "results", "discussion", "conclusion", "limitations"} and level == 1:
            self.seen_evaluation = True
        if level == 1:
            self.parent = label
        return label

    def _by_place(self, i: int, label: str, level: int) -> str:
        acknowledgments = self.acknowledgments[i]
        if self.after_references and not acknowledgments:
            label = "appendix"
        elif level > 1 and label not in _SUBSECTION_OWN_LABELS and not acknowledgments and self.parent != "other":
            label = self.parent
        elif level == 1 and label == "other" and self.runs_experiments[i]:
            label = "experiments"
        elif level == 1 and label == "other" and not acknowledgments and self.seen_intro and not self.seen_evaluation:
            label = "method"
        if level == 1 and label == "other" and not self.seen_intro and not acknowledgments and i == self.first_numbered:
            label = "introduction"  # "1 The Era of 1-bit LLMs": a paper's first section is its introduction
        return label


def assign_labels(titles: Sequence[str], levels: Sequence[int]) -> list[str]:
    """Labels from the title words, then from position: what a title does not say, its place does.

    Unnamed top-level sections between the introduction and the experiments are the method; anything after
    the references is the appendix; an unnamed subsection takes its parent's label. A top-level section whose
    subsections are set-ups and results is an experiment, whatever it is named (a paper whose experiments are
    its numbered task sections: "4 Question Answering" > "4.1 Setup", "4.2 Results").
    """
    own = [label_for(t) for t in titles]
    _mark_letter_appendices(titles, levels, own)
    position = _PositionLabels(
        acknowledgments=[bool(re.search(r"acknowledg", t, re.I)) for t in titles],
        runs_experiments=_runs_experiments(titles, levels),
        first_numbered=_first_numbered(titles, levels) if "introduction" not in own else -1,
    )
    return [position.label(i, label, level) for i, (label, level) in enumerate(zip(own, levels, strict=True))]


# -- headings ------------------------------------------------------------------------------------------------

_NUMBERED_HEADING = re.compile(
    r"^(?P<num>\d{1,2}(?:\s?\.\s?\d{1,2}){0,3}|[A-Z](?:\.\d{1,2}){1,3}|[A-Z]\d{1,2}(?:\.\d{1,2}){0,2}|"
    r"[IVX]{1,5}(?=\s?\.))"
    r"(?:\s?\.)?\s+(?P<title>[A-Z\[(][^\s].*|[A-Z]|[a-z]{1,4}[A-Z-]\S*(?:\s.*)?)$"  # "k-NN ...", "mAP ..."
)
_LETTER_HEADING = re.compile(r"^(?:appendix\s+)?(?P<num>[A-H])(?:\s?[.:])?\s+(?P<title>[A-Z].*)$", re.I)
_APPENDIX_HEADING = re.compile(
    r"^(?:appendix|appendices|supplementary|supplemental)\b(?:\s+[A-Z0-9]{1,2}\b)?[\s.:—–-]*.{0,100}$", re.I
)
_FRONT_BACK_MATTER = re.compile(
    r"^(?:abstract|references|bibliography|acknowledge?ments?|appendix|appendices|"
    r"supplementary materials?|supplemental materials?)\s*[:.]?$",
    re.I,
)
_HEADING_SHAPE = re.compile(
    r"^(?:\d{1,2}\b|[A-Z]\b|[A-Z]\.?\d|[IVX]{1,5}\s?\.|abstract|references|bibliography|acknowledg|appendi|"
    r"supplement|broader|societal|impact|ethic|reproducib|checklist|keywords|limitations|author contrib)",
    re.I,
)
# Unnumbered statement sections that venues require at the top level, printed as a heading line of their own
# (a run-in "Keywords: a, b" line is not one: it fails the whole-line match).
_STATEMENT_HEADING = re.compile(
    r"^(?:broader impacts?(?: statement)?|societal impacts?|potential (?:negative )?societal impacts?|"
    r"impact statement|ethics statement|ethical (?:statement|considerations?)|ethics|"
    r"reproducibility(?: statement)?|(?:neurips |paper )?(?:reproducibility )?checklist|keywords|"
    r"limitations?|author contributions?)\s*[:.]?$",
    re.I,
)
# "Abstract—We propose ...", "Acknowledgement: We thank ...": a bold heading that starts its paragraph.
_RUN_IN_HEADING = re.compile(r"^(abstract|acknowledge?ments?)\s*[—–:.-]\s*\S", re.I)
_MAX_HEADING_CHARS = 120
# A bold name that opens its paragraph, with or without punctuation after it ("Abstract—We", "Acknowledgements
# This work"): the printed form of these sections in many two-column styles.
_RUN_IN_NAME = re.compile(
    r"^(abstract|acknowledge?ments?|broader impacts?(?: statement)?|impact statement|ethics statement|"
    r"reproducibility statement)\s*[—–:.-]?$",
    re.I,
)


# Both run-in forms start with one of these names; testing the text first spares reading fonts of other lines.
_RUN_IN_START = re.compile(
    r"^(?:abstract|acknowledge?ment|broader impact|impact statement|ethics statement|reproducibility statement)",
    re.I,
)


def _run_in_title(line: Line) -> str:
    """The run-in heading that starts ``line``, or "" (the bold lead must be followed by plain text)."""
    if not _RUN_IN_START.match(line.text):
        return ""
    run_in = _RUN_IN_HEADING.match(line.text)
    spans = line.spans
    if not spans or not spans[0].bold:
        return ""
    if run_in:
        return run_in.group(1)
    lead = ""
    rest = False
    for span in spans:
        if span.bold and not rest:
            lead += span.text
        elif span.text.strip():
            rest = True
            break
    match = _RUN_IN_NAME.match(lead.strip())
    if not match or not rest or not line.text.startswith(match.group(1)):
        return ""
    return match.group(1)


@dataclass(frozen=True)
class Heading:
    index: int  # position of the heading's first line in the reading-order line stream
    lines: int  # how many lines the heading occupies (0 for a run-in "Abstract—" heading)
    title: str
    level: int
    page: int


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", strip_numbering(text).lower())


def _styled(line: Line, body_size: float) -> bool:
    """Typography that sets a heading apart from body text: bold, larger, or set in (small) capitals."""
    if line.size >= body_size + 0.9 or line.bold:
        return True
    text = line.text
    letters = sum(map(str.isalpha, text))  # map over C predicates: this runs for every candidate line
    if letters < 4 or sum(map(str.isupper, text)) / letters <= 0.9:
        return False
    # Small capitals: the first letter of each word is at body size, the rest smaller.
    largest = max((s["size"] for s in line.raw_spans if s["text"].strip()), default=line.size)
    return largest >= body_size - 0.5


def _capitals_size(line: Line) -> float:
    """The largest visible type on the line: the capitals of a line set in small capitals."""
    return max((s["size"] for s in line.raw_spans if s["text"].strip()), default=line.size)


def _style_key(line: Line) -> tuple[float, bool, bool]:
    """A heading type: size, bold, and whether it is set in small capitals (capitals larger than the line's
    type), so a name in body-size capitals does not pass for "1 INTRODUCTION" set in small capitals."""
    return (round(line.size), line.bold, _capitals_size(line) >= line.size + 1.0)


def _numbers(num: str) -> tuple[int, ...] | None:
    parts = [p for p in re.split(r"\s?\.\s?", num) if p]
    if all(p.isdigit() for p in parts):
        return tuple(int(p) for p in parts)
    return None


def _roman(num: str) -> int | None:
    values = {"I": 1, "V": 5, "X": 10}
    if not re.fullmatch(r"[IVX]+", num):
        return None
    total = 0
    for i, char in enumerate(num):
        value = values[char]
        total += -value if i + 1 < len(num) and values[num[i + 1]] > value else value
    return total


def _affiliations(line: Line) -> bool:
    """ "1 Google Research 2 DeepMind": superscript numbers before institutions, not a numbered heading."""
    spans = [span for span in line.raw_spans if span["text"].strip()]
    if spans and (spans[0]["flags"] & pymupdf.TEXT_FONT_SUPERSCRIPT) and spans[0]["text"].strip().isdigit():
        return True
    if len(spans) >= 2 and spans[0]["text"].strip().isdigit() and spans[0]["size"] < spans[1]["size"] - 1:
        return True
    return bool(re.match(r"^1\s.*\s2\s*[A-Z]", line.text))


def _looks_like_prose(title: str) -> bool:
    words = title.split()
    return len(words) > 16 or title.endswith((",", ";")) or bool(re.search(r"[=<>≤≥]|\s\d+\.\d+\s", title))


# -- where a heading sits: evidence from the page, not from the words --------------------------------------

_TOC_ENTRY = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*|[A-Z](?:\.\d{1,2})*)\.?\s+\S.*?(?:\s|\.)\d{1,3}$")
_GRAPHICS_NEAR = 30.0  # points above and below a line within which drawings make it part of a figure or table


def _page_lines(layout: DocumentLayout, page_number: int) -> list[Line]:
    cache = layout.memo.setdefault("page_lines", {})
    if page_number not in cache:
        page = layout.pages[page_number - 1]
        cache[page_number] = [line for block in page.blocks for line in block.lines]
    return cache[page_number]


def _is_contents_page(layout: DocumentLayout, page_number: int) -> bool:
    """A table of contents: many titled lines ending in page numbers that never go down. Not headings."""
    cache = layout.memo.setdefault("contents_pages", {})
    if page_number not in cache:
        targets = []
        for line in _page_lines(layout, page_number):
            match = _TOC_ENTRY.match(line.text)
            if match and len(re.findall(r"[A-Za-z]{2,}", line.text)) >= 1:
                targets.append(int(re.search(r"(\d{1,3})$", line.text).group(1)))
        rising = all(a <= b for a, b in itertools.pairwise(targets))
        cache[page_number] = len(targets) >= 6 and rising and max(targets) <= layout.page_count + 50
    return cache[page_number]


def _on_a_row(layout: DocumentLayout, line: Line) -> bool:
    """Other text on the same baseline in the same column: a table row or header, or a figure's labels.

    A heading owns its line. In a two-column page the other column's text may share the baseline, so only
    neighbours on the heading's own side of the page count (or any, for a line that crosses the middle).
    """
    width = layout.pages[line.page - 1].width
    middle = width / 2
    # A right column may start a point or two left of the page's middle (A4 paper, narrow gutters): crossing
    # the middle means reaching well past it on both sides.
    left_of, right_of = middle - 0.02 * width, middle + 0.02 * width
    height = max(line.y1 - line.y0, 1.0)
    for other in _page_lines(layout, line.page):
        if other is line:
            continue
        overlap = min(other.y1, line.y1) - max(other.y0, line.y0)
        if overlap < 0.5 * min(height, max(other.y1 - other.y0, 1.0)):
            continue
        crosses = (line.x0 < left_of and line.x1 > right_of) or (other.x0 < left_of and other.x1 > right_of)
        same_side = (line.x1 <= middle) == (other.x1 <= middle)
        if crosses or same_side:
            return True
    return False


def _body_lines(layout: DocumentLayout, page_number: int) -> list[Line]:
    """The page's lines of prose: body size and long (computed once per page)."""
    cache = layout.memo.setdefault("body_lines", {})
    if page_number not in cache:
        low, high = layout.body_size - 0.6, layout.body_size + 0.6
        cache[page_number] = [
            ln for ln in _page_lines(layout, page_number) if low < ln.size < high and len(ln.text) >= 40
        ]
    return cache[page_number]


def _document_edges(layout: DocumentLayout) -> set[int]:
    """Left edges where body lines start on many pages: the paper's column starts (and paragraph indents).

    A page whose column holds mostly a table or figures has too few prose lines to show its own column start,
    but the paper sets every page in the same columns.
    """
    if "document_edges" not in layout.memo:
        lefts: Counter[int] = Counter()
        for page in layout.pages:
            lefts.update({round(ln.x0) for ln in _body_lines(layout, page.number)})
        layout.memo["document_edges"] = {x for x, pages in lefts.items() if pages >= 3}
    return layout.memo["document_edges"]


def _column_edges(layout: DocumentLayout, page_number: int) -> tuple[set[int], list[float]]:
    """Left edges where body lines start on this page (or on many pages of the paper), and the centres of its
    text columns."""
    cache = layout.memo.setdefault("column_edges", {})
    if page_number not in cache:
        body = _body_lines(layout, page_number)
        lefts: Counter[int] = Counter(round(ln.x0) for ln in body)
        edges = {x for x, count in lefts.items() if count >= 3}
        if edges:  # a page without prose (a full-page figure) gives no evidence either way; keep it so
            edges |= _document_edges(layout)
        page = layout.pages[page_number - 1]
        centres = [page.width / 2]
        if body:
            left, right, middle = min(ln.x0 for ln in body), max(ln.x1 for ln in body), page.width / 2
            centres += [(left + right) / 2, (left + middle) / 2, (middle + right) / 2]
        cache[page_number] = (edges, centres)
    return cache[page_number]


def _placed_in_column(layout: DocumentLayout, line: Line) -> bool:
    """A heading starts where the column's body lines start, or is centred; table cells and labels float."""
    edges, centres = _column_edges(layout, line.page)
    if not edges:
        return True  # a page with hardly any prose (a figure page): no evidence either way
    if any(abs(line.x0 - edge) <= 4 for edge in edges):
        return True
    centre = (line.x0 + line.x1) / 2
    return any(abs(centre - c) <= 12 for c in centres)


def _inside_paragraph(stream: Sequence[Line], index: int, block_starts: set[int], body: float) -> bool:
    """The line continues a sentence of body text right above it: an enumerated item, not a heading.

    Some styles (CVPR) set a subsection heading as close below the last paragraph as a line of text, so a
    small gap alone says nothing; a previous line that has not ended its sentence does.
    """
    if index in block_starts or index == 0:
        return False
    previous, line = stream[index - 1], stream[index]
    if previous.page != line.page or _styled(previous, body):
        return False
    if line.y0 - previous.y1 >= 0.5 * max(line.y1 - line.y0, 1.0):
        return False
    return not previous.text.rstrip().endswith((".", "!", "?"))


def _inside_graphics(layout: DocumentLayout, line: Line, *, outlines_only: bool = False) -> bool:
    """The line sits in a drawn box, between a table's rules, or among a figure's drawings.

    With ``outlines_only`` only a stroked box around the line counts: a heading whose number continues the
    sequence may sit right under a figure or above a table, or on a shaded band some styles print behind
    headings, but not inside a drawn frame. Raster images are not looked at: their labels are pixels, and
    reading image boxes costs a second pass.
    """
    above = below = False
    width = max(line.x1 - line.x0, 1.0)
    covered = 0.0
    for x0, y0, x1, y1, stroked in layout.pages[line.page - 1].vectors:
        if x1 < line.x0 - 2 or x0 > line.x1 + 2:
            continue
        if y0 <= line.y0 + 1 and y1 >= line.y1 - 1 and (x1 - x0) > 2 and (y1 - y0) > 2 * (line.y1 - line.y0):
            if stroked or not outlines_only:
                # framed: a figure panel, an algorithm box, a table cell drawn around (part of) the line
                covered += min(x1, line.x1) - max(x0, line.x0)
                if covered >= 0.5 * width:
                    return True
            continue
        if outlines_only:
            continue
        if line.y0 - _GRAPHICS_NEAR <= y1 <= line.y0 + 1:
            above = True
        if line.y1 - 1 <= y0 <= line.y1 + _GRAPHICS_NEAR:
            below = True
        if above and below:
            return True
    return False


def _placed_like_heading(
    layout: DocumentLayout, stream: Sequence[Line], index: int, block_starts: set[int], *, in_sequence: bool = False
) -> bool:
    """Layout evidence that a line styled and numbered like a heading really is one.

    Drawings near a line whose numbering simply continues the paper's sequence (the next section or
    subsection number) count only when they frame it: a real heading may sit right under a figure or above
    a table.
    """
    line = stream[index]
    if _is_contents_page(layout, line.page):
        return False
    if _inside_paragraph(stream, index, block_starts, layout.body_size):
        return False
    if _on_a_row(layout, line) or not _placed_in_column(layout, line):
        return False
    return not _inside_graphics(layout, line, outlines_only=in_sequence)


def _set_apart(stream: Sequence[Line], index: int, block_starts: set[int], body: float) -> bool:
    """A body-size line alone in its block with space above and below it: how plain-type headings stand out.

    The gap above is measured only to a line above in the same column (at a column's top there is none).
    """
    line = stream[index]
    height = max(line.y1 - line.y0, 1.0)
    if abs(line.size - body) >= 0.6 or index not in block_starts:
        return False
    if index + 1 < len(stream):
        nxt = stream[index + 1]
        if index + 1 not in block_starts:
            return False
        if nxt.page == line.page and nxt.y0 >= line.y1 - 1 and nxt.y0 - line.y1 < 0.3 * height:
            return False
    if index > 0:
        previous = stream[index - 1]
        above = previous.page == line.page and previous.y1 <= line.y0 + 1 and previous.x0 < line.x1
        if above and line.x0 < previous.x1 and line.y0 - previous.y1 < 0.8 * height:
            return False
    return True


def _continues(numbers: tuple[int, ...], last: tuple[int, ...]) -> bool:
    """The next number of the sequence: 1 first, then 3 -> 3.1 or 4, 3.1 -> 3.2, 3.1.1 or 4."""
    if not last:
        return numbers in {(1,), (0,)}
    for depth in range(len(last)):
        if numbers == (*last[:depth], last[depth] + 1):
            return True
    return numbers == (*last, 1)


@dataclass
class _HeadingScan:
    """What the scan down the line stream has learnt so far; the recognisers read it and add to it.

    Each recogniser that accepts a line records here what that heading tells the ones after it: the numbering
    sequence reached (so a table row "2 Layers" cannot look like the next section), which unnumbered names were
    seen (one abstract), whether the back matter and the references have begun, the type of numbered headings
    (by level), and the letters of the appendix headings.
    """

    layout: DocumentLayout
    stream: Sequence[Line]
    block_starts: set[int]
    last_number: tuple[int, ...] = ()
    last_roman: int = 0
    seen_front_back: set[str] = field(default_factory=set)
    in_back_matter: bool = False
    after_references: bool = False
    styles: dict[tuple[float, bool, bool], int] = field(default_factory=dict)  # type of numbered headings -> level
    appendix_letters: set[str] = field(default_factory=set)  # letters of the top-level appendix headings so far

    @property
    def body(self) -> float:
        return self.layout.body_size


@dataclass
class _Candidate:
    """A line styled like a heading, put to the recognisers in turn."""

    scan: _HeadingScan
    index: int
    line: Line
    numbered: re.Match[str] | None  # the line's numbering ("3.2", "IV", "A.1"), if it has the shape of one
    _placed: bool | None = None
    _numbering: str | None = None  # "" once known to have none

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def words(self) -> int:
        return len(self.line.text.split())

    @property
    def prominent(self) -> bool:
        """Bold or larger than the body: small capitals alone are not enough for a letter-numbered heading."""
        return self.line.bold or self.line.size >= self.scan.body + 0.9

    def placed(self, in_sequence: bool = False) -> bool:
        """Placed like a heading (_placed_like_heading), decided once per line: it looks at the whole page."""
        if self._placed is None:
            scan = self.scan
            self._placed = _placed_like_heading(scan.layout, scan.stream, self.index, scan.block_starts,
                                                in_sequence=in_sequence)
        return self._placed

    def numbering(self) -> str | None:
        """The number of a numbered heading line, None for prose or an affiliation line ("1 Google 2 DeepMind")."""
        if self._numbering is None:
            numbered = self.numbered
            plain = numbered is None or _looks_like_prose(numbered.group("title")) or _affiliations(self.line)
            self._numbering = "" if plain else numbered.group("num")
        return self._numbering or None


def _heading(index: int, line: Line, level: int, *, title: str | None = None, lines: int = 1) -> Heading:
    """The one place detect_headings builds a heading: ``lines`` 0 is a run-in heading that opens its paragraph."""
    return Heading(index=index, lines=lines, title=line.text if title is None else title, level=level, page=line.page)


# -- recognisers: each takes a styled candidate line and returns its level (None: not this kind) -------------------
# A recogniser that accepts a line records what it implies in the scan. Names that settle it whatever the layout
# (abstract, references, acknowledgments) skip the layout test; every other kind must also be placed like a heading,
# and a line that is not does not move the numbering sequence on, so a table row "2 Layers" cannot make the real
# "2 Method" look out of order.


def _arabic_numbered(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """"3 Method", "3.2. Details": the level is the depth of the number, which must follow the sequence."""
    num = candidate.numbering()
    numbers = _numbers(num) if num else None
    if numbers is None:
        return None
    last = scan.last_number
    plausible = numbers[0] <= 30 and (
        (not last and numbers[0] <= 3) or (last and numbers > last and numbers[0] <= last[0] + 2)
    )
    if not plausible or not candidate.placed(in_sequence=_continues(numbers, last)):
        return None
    scan.last_number = numbers
    return len(numbers)


def _roman_numbered(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """"II. RELATED WORK": top level, the next roman number (or I)."""
    num = candidate.numbering()
    roman = _roman(num) if num else None
    if roman is None or not (roman == scan.last_roman + 1 or (roman == 1 and not scan.last_roman)):
        return None
    if not candidate.placed():
        return None
    scan.last_roman = roman
    return 1


def _appendix_numbered(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """Appendix numbering "A.1", "A1.", "A2.1": one level below a printed "A Title" / "Appendix A"; where the
    appendix has no letter headings, "A1." is its top level."""
    num = candidate.numbering()
    if not num or not re.fullmatch(r"[A-Z]\.?\d{1,2}(?:\.\d{1,2})*", num):
        return None
    if not (scan.in_back_matter or candidate.prominent) or not candidate.placed():
        return None
    scan.in_back_matter = True
    return len(re.findall(r"\d+", num)) + (1 if num[0] in scan.appendix_letters else 0)


def _front_back_matter(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """"Abstract", "References", "Acknowledgments", "Appendix" alone on the line: once each (appendix again),
    wherever it sits."""
    text = candidate.text
    if not _key(text) or not _FRONT_BACK_MATTER.match(strip_numbering(text)):
        return None
    name = label_for(text) if label_for(text) != "other" else "acknowledgments"
    if name in scan.seen_front_back and name != "appendix":
        return None
    scan.seen_front_back.add(name)
    return 1


def _statement(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """"Ethics Statement", "Broader Impact", "Limitations": unnumbered top-level sections, once each."""
    if not _STATEMENT_HEADING.match(candidate.text.strip()):
        return None
    name = _key(candidate.text)
    if name in scan.seen_front_back or not candidate.placed():
        return None
    scan.seen_front_back.add(name)
    return 1


def _appendix_title(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """"Appendix B", "APPENDIX A: TITLE": top level."""
    text = candidate.text
    if not _APPENDIX_HEADING.match(text) or candidate.words > 12 or not candidate.placed():
        return None
    letter_of = re.match(r"^appendix\s+([A-Z])\b", text, re.I)
    if letter_of:
        scan.appendix_letters.add(letter_of.group(1).upper())
    return 1


def _appendix_letter(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """"B Proofs", "C. More Results" in the back matter: a top-level appendix section."""
    if not scan.in_back_matter:
        return None
    letter = _LETTER_HEADING.match(candidate.text)
    if not letter or candidate.words > 12 or not candidate.prominent:
        return None
    # The next letter of the appendix ("A" first) continues its sequence: like a numbered heading that does,
    # only a frame drawn around it disqualifies it (an algorithm box or a running header's rule may sit near).
    letters = scan.appendix_letters
    expected = chr(ord(max(letters)) + 1) if letters else "A"
    if not candidate.placed(in_sequence=letter.group("num").upper() == expected):
        return None
    letters.add(letter.group("num").upper())
    return 1


def _supplementary_section(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """An unnumbered section after the references, set in the type of the numbered headings of some level."""
    if not scan.after_references or candidate.index not in scan.block_starts:
        return None
    text = candidate.text
    level = scan.styles.get(_style_key(candidate.line))
    if not level or candidate.words > 10 or not text[0].isupper() or text.endswith(".") or _looks_like_prose(text):
        return None
    return level if candidate.placed() else None


def _lettered_subsection(candidate: _Candidate, scan: _HeadingScan) -> int | None:
    """IEEE's "A. Setup" under roman-numbered sections: a subsection."""
    if not scan.last_roman or candidate.index not in scan.block_starts:
        return None
    if not re.match(r"^[A-H]\.\s+[A-Z]", candidate.text) or candidate.words > 12 or not candidate.placed():
        return None
    return 2


_RECOGNISERS: tuple[Callable[[_Candidate, _HeadingScan], int | None], ...] = (
    _arabic_numbered,
    _roman_numbered,
    _appendix_numbered,
    _front_back_matter,
    _statement,
    _appendix_title,
    _appendix_letter,
    _supplementary_section,
    _lettered_subsection,
)


def _run_in_heading(scan: _HeadingScan, index: int) -> Heading | None:
    """"Abstract—We propose ...": a bold name opening its paragraph, once per name."""
    line = scan.stream[index]
    run_in = _run_in_title(line)
    if not run_in:
        return None
    name = label_for(run_in) if label_for(run_in) != "other" else _key(run_in)
    if name in scan.seen_front_back:
        return None
    scan.seen_front_back.add(name)
    return _heading(index, line, 1, title=run_in, lines=0)


def _plain_type_heading(scan: _HeadingScan, index: int) -> Heading | None:
    """Some styles set subsection headings in the body type, told apart only by the space around them. Such a
    line counts only as the very next subsection number ("2" -> "2.1", "3.1" -> "3.2")."""
    line = scan.stream[index]
    text = line.text
    numbered = _NUMBERED_HEADING.match(text)
    numbers = _numbers(numbered.group("num")) if numbered else None
    if not (
        numbers
        and len(numbers) >= 2
        and _continues(numbers, scan.last_number)
        and not _looks_like_prose(numbered.group("title"))
        and not text.endswith((".", ",", ";", ":"))
        and len(text.split()) <= 12
        and _placed_like_heading(scan.layout, scan.stream, index, scan.block_starts, in_sequence=True)
    ):
        return None
    scan.last_number = numbers
    return _heading(index, line, len(numbers))


def _supplement_title(index: int, scan: _HeadingScan) -> bool:
    """"Supplementary Material for <the paper's title>", a lone "Appendix" over a date: the title page of a
    supplement after the references, set in the paper's title type (larger than any of its numbered section
    headings) and naming the paper or standing over a plain title-block line (the date, the title's rest). The
    supplement's own headings follow; the title is not a section. A large "Appendices" right above the first
    appendix heading is a part heading, and stays."""
    line = scan.stream[index]
    if not scan.after_references or not scan.styles or not _APPENDIX_HEADING.match(line.text):
        return False
    if line.size < max(size for size, _, _ in scan.styles) + 3.0:
        return False
    if re.search(r"\bfor\b", line.text, re.I):
        return True
    nxt = scan.stream[index + 1] if index + 1 < len(scan.stream) else None
    return nxt is not None and not nxt.bold and nxt.size >= scan.body + 0.9


def _styled_heading(scan: _HeadingScan, index: int) -> Heading | None:
    """The first recogniser that accepts the line decides its level; the heading then tells the scan what
    follows it (back matter, references, the type of its level, an appendix letter)."""
    line = scan.stream[index]
    if _supplement_title(index, scan):
        return None
    candidate = _Candidate(scan, index, line, _NUMBERED_HEADING.match(line.text))
    level = next((level for recognise in _RECOGNISERS if (level := recognise(candidate, scan)) is not None), None)
    if level is None:
        return None
    heading = _heading(index, line, level)
    label = label_for(heading.title)
    if label in {"references", "appendix"}:
        scan.in_back_matter = True
    if label == "references":
        scan.after_references = True
    if candidate.numbered and _numbers(candidate.numbered.group("num")) is not None:
        scan.styles.setdefault(_style_key(line), heading.level)
    top_letter = re.match(r"^(?:appendix\s+)?([A-Z])(?:\s?[.:])?\s+\S", heading.title, re.I)
    if heading.level == 1 and scan.in_back_matter and top_letter:
        scan.appendix_letters.add(top_letter.group(1).upper())  # however it was recognised (small capitals too)
    return _merge_wrapped_title(heading, scan.stream, scan.block_starts, scan.body)


def _heading_at(scan: _HeadingScan, index: int) -> Heading | None:
    line = scan.stream[index]
    text = line.text
    if not _HEADING_SHAPE.match(text) and not (scan.after_references and index in scan.block_starts):
        return None  # cheap test first: most lines cannot be a heading whatever their type
    run_in = _run_in_heading(scan, index)
    if run_in is not None:
        return run_in
    if len(text) > _MAX_HEADING_CHARS:
        return None
    if _styled(line, scan.body):
        return _styled_heading(scan, index)
    if _set_apart(scan.stream, index, scan.block_starts, scan.body):
        return _plain_type_heading(scan, index)
    return None


def detect_headings(layout: DocumentLayout, stream: Sequence[Line], block_starts: set[int]) -> list[Heading]:
    """Headings from typography and numbering alone: each line that may be one goes to the recognisers."""
    scan = _HeadingScan(layout, stream, block_starts)
    found: list[Heading] = []
    index = 0
    while index < len(stream):
        heading = _heading_at(scan, index)
        if heading is None:
            index += 1
            continue
        found.append(heading)
        index = heading.index + max(heading.lines, 1)
    return found


def _merge_wrapped_title(heading: Heading, stream: Sequence[Line], block_starts: set[int], body: float) -> Heading:
    """A long title wraps onto a second line set in the same type; keep the two together.

    MuPDF may put the second line in a block of its own when it is indented under the title text ("A. Long
    title" / "   continued"): then it must sit right below, at the title's left edge or a hanging indent, or
    centred under a centred title.
    """
    first = stream[heading.index]
    following = heading.index + 1
    if following >= len(stream) or heading.lines != 1:
        return heading
    nxt = stream[following]
    if following in block_starts:
        height = max(first.y1 - first.y0, 1.0)
        tight = -0.3 * height <= nxt.y0 - first.y1 <= 0.5 * height  # line boxes of some fonts overlap a little
        under = first.x0 - 1 <= nxt.x0 <= first.x0 + 3 * first.size
        centred = nxt.x0 > first.x0 and abs((nxt.x0 + nxt.x1) - (first.x0 + first.x1)) <= 2 * first.size
        if not tight or not (under or centred):
            return heading
    same_type = nxt.bold == first.bold and abs(nxt.size - first.size) < 0.3 and _styled(nxt, body)
    if (
        same_type
        and len(first.text) + len(nxt.text) <= _MAX_HEADING_CHARS
        and not _NUMBERED_HEADING.match(nxt.text)
        and nxt.page == first.page
    ):
        return replace(heading, lines=2, title=join_lines([first.text, nxt.text]))
    return heading


class _OutlineMatcher:
    """Finds an outline entry's printed line: on the page it names or a neighbour, not used by another entry."""

    def __init__(self, layout: DocumentLayout, stream: Sequence[Line]) -> None:
        self.layout, self.stream = layout, stream
        self.by_page: dict[int, list[int]] = {}
        for index, line in enumerate(stream):
            if len(line.text) <= _MAX_HEADING_CHARS * 2:
                self.by_page.setdefault(line.page, []).append(index)
        self.used: set[int] = set()
        self.key_of: dict[int, str] = {}  # a page's lines are compared with several entries: normalize each once

    def _matches(self, index: int, wanted: str) -> bool:
        line = self.stream[index]
        if index in self.used or (line.size < self.layout.body_size - 1 and _capitals_size(line) < line.size + 1):
            # smaller than the body text: a figure's label or a footnote, not the heading; a heading in small
            # capitals ("3.1 A MOTIVATING EXAMPLE", capitals at body size) is measured by its capitals
            return False
        have = self.key_of.get(index)
        if have is None:
            have = self.key_of[index] = _key(line.text)
        return bool(have) and (have == wanted or (len(have) >= 4 and wanted.startswith(have)
                                                  and _styled(line, self.layout.body_size)))

    def find(self, wanted: str, page: int) -> int | None:
        for candidate_page in (page, page - 1, page + 1):
            for index in self.by_page.get(candidate_page, ()):
                if self._matches(index, wanted):
                    self.used.add(index)
                    return index
        return None

    def printed(self, index: int, wanted: str) -> tuple[str, int]:
        """The printed title and its number of lines: a title the outline spells whole may wrap onto two."""
        printed = self.stream[index].text
        if _key(printed) != wanted and index + 1 < len(self.stream):
            joined = join_lines([printed, self.stream[index + 1].text])
            if _key(joined) == wanted:
                return joined, 2
        return printed, 1


def outline_headings(layout: DocumentLayout, stream: Sequence[Line]) -> list[Heading] | None:
    """Headings from the PDF outline, or None when the outline does not match the printed text."""
    entries = [(level, title, page) for level, title, page in layout.toc if level <= 2 and _key(title)]
    if len(entries) < 3:
        return None
    matcher = _OutlineMatcher(layout, stream)
    headings: list[Heading] = []
    for level, title, page in entries:
        wanted = _key(title)
        index = matcher.find(wanted, page)
        if index is None:
            continue
        printed, lines = matcher.printed(index, wanted)
        headings.append(Heading(index=index, lines=lines, title=printed, level=level, page=stream[index].page))
    if len(headings) < 0.75 * len(entries):
        return None
    return headings


def _line_stream(layout: DocumentLayout) -> tuple[list[Line], set[int], list[bool]]:
    stream: list[Line] = []
    block_starts: set[int] = set()
    caption: list[bool] = []
    for page in layout.pages:
        for block in page.blocks:
            block_starts.add(len(stream))
            stream.extend(block.lines)
            caption.extend([block.is_caption] * len(block.lines))
    return stream, block_starts, caption


def find_headings(layout: DocumentLayout) -> tuple[list[Line], set[int], list[bool], list[Heading]]:
    """The line stream in reading order and the headings in it (computed once per layout)."""
    if "headings" not in layout.memo:
        layout.memo["headings"] = _find_headings(layout)
    return layout.memo["headings"]


_UNNUMBERED_NAMES = {"references", "other"}  # References, Acknowledgments: printed in the type of the sections


def _unnumbered_level(line: Line, top: float, body: float) -> int:
    """1 for a bold short title line in the top-level type, 2 between it and the body size, 0 otherwise."""
    level = 1 if abs(line.size - top) < 0.3 else 2 if body + 0.5 <= line.size <= top - 0.5 else 0
    text = line.text
    if not level or not line.bold or len(text.split()) > 10 or not text[:1].isupper():
        return 0
    return 0 if text.endswith((".", ":")) or _looks_like_prose(text) else level


def _lines_in_type(
    layout: DocumentLayout, stream: Sequence[Line], block_starts: set[int], caption: Sequence[bool],
    detected: Sequence[Heading], top: float, end: int,
) -> list[Heading]:
    """Headings set apart in the type ``top`` of the paper's named headings (and subsections between that type
    and the body size), from the first detected heading up to line ``end``."""
    body = layout.body_size
    taken = {h.index + k for h in detected for k in range(max(h.lines, 1))}  # a wrapped title's lines too
    start = min(taken, default=0)
    found: list[Heading] = []
    for index in sorted(block_starts):
        if index >= end:
            break
        if index <= start or index in taken or caption[index]:
            continue
        line = stream[index]
        level = _unnumbered_level(line, top, body)
        if not level or not _placed_like_heading(layout, stream, index, block_starts):
            continue
        heading = _merge_wrapped_title(_heading(index, line, level), stream, block_starts, body)
        taken.update(range(index, index + heading.lines))
        found.append(heading)
    return found


def _unnumbered_headings(
    layout: DocumentLayout, stream: Sequence[Line], block_starts: set[int], caption: Sequence[bool],
    detected: Sequence[Heading],
) -> list[Heading]:
    """The sections of a paper whose headings carry no numbers (AAAI, some journals), found by type.

    Its "References" or "Acknowledgments" heading shows the type of its top-level headings: a bold line set
    apart in that type is a section, and a bold line between that type and the body size a subsection. Used
    only when no numbered heading and no outline were found, so a numbered paper is never read this way.
    """
    named = [stream[h.index] for h in detected if h.lines and label_for(h.title) in _UNNUMBERED_NAMES]
    top = max((line.size for line in named if line.bold), default=0.0)
    if top < layout.body_size + 0.9:
        return []
    return _lines_in_type(layout, stream, block_starts, caption, detected, top, len(stream))


def _front_matter_headings(
    layout: DocumentLayout, stream: Sequence[Line], block_starts: set[int], caption: Sequence[bool],
    detected: Sequence[Heading], outline: Sequence[Heading],
) -> list[Heading]:
    """A report's front-matter sections before its outline's first entry ("Acknowledgements", "Feedback",
    "Source code and animations"): bold lines set apart in the type of an Acknowledgments heading printed there.
    The outline starts with the body, so it lists none of them."""
    first = min(h.index for h in outline)
    named = [stream[h.index] for h in detected if h.index < first and h.lines and label_for(h.title) == "other"]
    if not named or not named[0].bold:
        return []
    front = [h for h in detected if h.index < first]
    return _lines_in_type(layout, stream, block_starts, caption, front, named[0].size, first)


def _find_headings(layout: DocumentLayout) -> tuple[list[Line], set[int], list[bool], list[Heading]]:
    stream, block_starts, caption = _line_stream(layout)
    detected = [h for h in detect_headings(layout, stream, block_starts) if not caption[h.index]]
    outline = outline_headings(layout, stream)
    if outline is None:
        if not any(_NUMBERED_HEADING.match(h.title) for h in detected):
            extra = _unnumbered_headings(layout, stream, block_starts, caption, detected)
            detected = sorted([*detected, *extra], key=lambda h: h.index)
        return stream, block_starts, caption, detected
    # The outline is authoritative for what it lists; it often leaves out the abstract, the references and
    # the acknowledgments, which typography still finds.
    gaps = _OutlineGaps.of(outline, detected)
    front = _front_matter_headings(layout, stream, block_starts, caption, detected, outline)
    merged = sorted(outline + front + [h for h in detected if gaps.lacks(h)], key=lambda h: h.index)
    return stream, block_starts, caption, merged


@dataclass(frozen=True)
class _OutlineGaps:
    """What an outline leaves out that the printed headings still give."""

    taken: set[int]
    outline_keys: set[str]
    # Top-level numbers the outline already places; a printed numbered heading it lacks (or names so
    # differently that its entry matched nothing) is still a section.
    outline_numbers: set[str]
    first_references: int | None
    outline_end: int
    # An outline of top-level entries only says nothing about subsections: the printed ones still count.
    top_level_outline: bool

    @classmethod
    def of(cls, outline: Sequence[Heading], detected: Sequence[Heading]) -> _OutlineGaps:
        taken = {h.index for h in outline}
        references = [h.index for h in detected if label_for(h.title) == "references"]
        return cls(
            taken=taken,
            outline_keys={_key(h.title) for h in outline},
            outline_numbers={m.group("num") for h in outline if (m := _NUMBERED_HEADING.match(h.title))},
            first_references=references[0] if references else None,
            outline_end=max(taken, default=-1),
            top_level_outline=all(h.level == 1 for h in outline),
        )

    def lacks(self, heading: Heading) -> bool:
        if heading.index in self.taken or _key(heading.title) in self.outline_keys:
            return False
        title = heading.title
        numbered = _NUMBERED_HEADING.match(title)
        references = self.first_references
        return bool(
            label_for(title) in {"abstract", "references", "appendix"}
            or re.search(r"acknowledg", title, re.I)
            or _STATEMENT_HEADING.match(title.strip())
            or (heading.level == 1 and numbered and numbered.group("num") not in self.outline_numbers)
            # supplementary sections after the references and past the outline's last entry
            or (references is not None and heading.index > references and heading.index > self.outline_end)
            or (self.top_level_outline and heading.level >= 2)
        )


def _block_spans(layout: DocumentLayout) -> tuple[list[int], list[Block]]:
    """Where each block starts in the line stream, and the blocks, in reading order (computed once)."""
    if "block_spans" not in layout.memo:
        _, block_starts, _, _ = find_headings(layout)
        blocks = [block for page in layout.pages for block in page.blocks]
        layout.memo["block_spans"] = (sorted(block_starts), blocks)
    return layout.memo["block_spans"]


def _section_text(layout: DocumentLayout, start: int, end: int) -> str:
    """Paragraphs of the stream's lines [start, end): whole blocks reuse their joined text."""
    starts, blocks = _block_spans(layout)
    paragraphs: list[str] = []
    for position in range(max(bisect.bisect_right(starts, start) - 1, 0), len(blocks)):
        block, first = blocks[position], starts[position]
        last = first + len(block.lines)
        if last <= start:
            continue
        if first >= end:
            break
        if first >= start and last <= end:
            paragraphs.append(block_text(block))
        else:
            part = join_lines(line.text for line in block.lines[max(start, first) - first : min(end, last) - first])
            caption = block.is_caption and first >= start
            paragraphs.append(CAPTION_MARK + part if caption else part)
    return "\n\n".join(p for p in paragraphs if p)


def sections_from_layout(layout: DocumentLayout) -> list[Section]:
    stream, _, _, headings = find_headings(layout)
    labels = assign_labels([h.title for h in headings], [h.level for h in headings])
    sections = []
    for ordinal, (heading, label) in enumerate(zip(headings, labels, strict=True), start=1):
        end = headings[ordinal].index if ordinal < len(headings) else len(stream)
        text = _section_text(layout, heading.index + heading.lines, end)
        if heading.lines == 0:
            text = text[len(heading.title):].lstrip(" —–:.-")
        sections.append(Section(ordinal, heading.title, label, heading.page, text, heading.level))
    return sections


def extraction_layout(pdf_bytes: bytes, extraction: Extraction) -> DocumentLayout:
    """The layout of the pages the extraction read, read again (a rerun after a crash, `rerun --failed`).

    With the extraction's own page count as the cap, not read_document's default, or sections and links would
    come from pages the stored text does not have (or miss pages it has) depending on whether the process
    restarted.
    """
    return read_document(pdf_bytes, page_cap=len(extraction.page_texts) or 300)


def segment_sections(pdf_bytes: bytes, extraction: Extraction) -> list[Section]:
    """The paper's printed sections with normalized labels, in reading order."""
    if extraction.status != Status.OK:
        return []
    return sections_from_layout(extraction_layout(pdf_bytes, extraction))
