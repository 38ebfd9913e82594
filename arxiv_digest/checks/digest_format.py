"""Parser for the digest markdown format (the seed's, which our publisher also writes).

The format, per paper: `<a id='ID'></a>`, `## [Title](https://arxiv.org/abs/ID)`, `**Authors:**`,
`**Published:**`, `**Categories:**`, `**Abstract:**`, `**Analysis:**`, `**Key Findings:**`, `**Links:**`, `---`.
After the papers, an optional `## Revised` section lists new versions of the reader's papers, one bullet each:
`- [Title](https://arxiv.org/abs/IDvN) — vN, YYYY-MM-DD — ...`; they are not papers of the day.
Model-written analyses contain their own `##` headings and `---` rules, so papers are split on the anchors
(or, without anchors, on paper headings that link to arXiv), and an analysis runs up to the last
`**Key Findings:**` marker of its entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from arxiv_digest.checks.text import unescape_markdown
from arxiv_digest.errors import DigestError
from arxiv_digest.ids import ARXIV_ID


class DigestFormatError(DigestError, ValueError):
    """The text is not a digest in the expected format; the message says what is missing."""


@dataclass(frozen=True)
class TocEntry:
    number: int
    title: str
    anchor: str
    score: float | None = None  # a profile's digest lists each paper's score


@dataclass(frozen=True)
class DigestLink:
    label: str
    url: str


@dataclass
class ParsedPaper:
    """One paper entry. None means the entry lacks that section (an empty section is "" or [])."""

    anchor: str | None
    arxiv_id: str | None  # without version
    version: int | None
    title: str | None
    link: str | None
    authors: list[str] | None = None
    published: date | None = None
    published_raw: str | None = None
    categories: list[str] | None = None
    abstract: str | None = None
    analysis: str | None = None
    key_findings: list[str] | None = None
    links: list[DigestLink] | None = None
    relevance: str | None = None  # a profile's digest: "3.42 — matches: ...; similar to ..."
    figure: str | None = None  # the teaser image's path, when the entry shows one (markdown_figures)
    line: int = 0  # 1-based line of the entry's start, for messages

    @property
    def paper_id(self) -> str:
        """Versioned id when known (the anchor otherwise): the key findings are reported under."""
        if self.arxiv_id:
            return f"{self.arxiv_id}v{self.version}" if self.version else self.arxiv_id
        return self.anchor or f"line-{self.line}"


@dataclass(frozen=True)
class RevisedEntry:
    """One item of the Revised section; arxiv_id and version are None when its link is not a versioned arXiv link."""

    title: str
    link: str | None
    arxiv_id: str | None
    version: int | None
    text: str  # the whole item, for messages
    line: int


@dataclass
class ParsedDigest:
    digest_date: date | None
    header_date: date | None  # from the `Time: YYYYMMDD` line
    title: str | None
    summary: str | None
    toc: list[TocEntry] = field(default_factory=list)
    papers: list[ParsedPaper] = field(default_factory=list)
    revised: list[RevisedEntry] = field(default_factory=list)

    @property
    def date(self) -> date | None:
        return self.digest_date or self.header_date


_TIME_LINE = re.compile(r"^\s*time\s*:\s*(\d{8})\s*$", re.IGNORECASE)
_TITLE_LINE = re.compile(r"^#\s+(.*?)\s*(?:-|–|—)\s*(\d{4}-\d{2}-\d{2})\s*$")
_TOP_SECTION = re.compile(r"^##\s+(Executive Summary|Table of Contents|Papers)\s*$", re.IGNORECASE)
# A profile's digest writes the paper's score after the link: "1. [Title](#id) — 3.42".
_TOC_LINE = re.compile(
    r"^\s*(\d+)[.)]\s+\[((?:\\.|[^\]\\])*)\]\(\s*#([^)\s]+)\s*\)(?:\s+[—-]\s+(-?\d+(?:\.\d+)?))?\s*$"
)
_ANCHOR = re.compile(r"""^\s*<a\s+(?:id|name)\s*=\s*['"]([^'"]+)['"]\s*>\s*</a>\s*$""", re.IGNORECASE)
_PAPER_HEADING = re.compile(
    r"^#{2,3}\s+\[((?:\\.|[^\]\\])*)\]\(\s*(https?://(?:export\.)?arxiv\.org/abs/[^)\s]+)\s*\)\s*$", re.IGNORECASE
)
_FIELD = re.compile(
    r"^\s*\*\*\s*(Authors|Published|Categories|Relevance|Abstract|Analysis|Key Findings|Links)"
    r"\s*:?\s*\*\*\s*:?\s*(.*)$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_REVISED_HEADING = re.compile(r"^##\s+Revised\s*$", re.IGNORECASE)
_ABS_LINK = re.compile(r"^(?:https?://(?:export\.)?arxiv\.org/abs/|[^)\s]*/abs/)", re.IGNORECASE)
_LINK_ITEM = re.compile(r"^\[((?:\\.|[^\]\\])*)\]\(\s*([^)\s]+)\s*\)")
# A teaser figure line: `![caption](figures/<sha256>.jpg)` between the metadata and the abstract.
_FIGURE_LINE = re.compile(r"^\s*!\[(?:\\.|[^\]\\])*\]\(\s*(figures/[0-9a-f]{64}\.(?:jpg|png))\s*\)\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_ARXIV_ID = re.compile(rf"({ARXIV_ID})(?:v(\d+))?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _strip_rules(block: list[str]) -> list[str]:
    """Blank lines and horizontal rules around a block are layout."""
    start, end = 0, len(block)
    while start < end and (not block[start].strip() or _RULE.match(block[start])):
        start += 1
    while end > start and (not block[end - 1].strip() or _RULE.match(block[end - 1])):
        end -= 1
    return block[start:end]


def _text(block: list[str]) -> str:
    return "\n".join(_strip_rules(block)).strip()


def _split_id(raw: str | None) -> tuple[str | None, int | None]:
    if not raw:
        return None, None
    match = _ARXIV_ID.search(raw)
    if not match:
        return None, None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def _parse_date(raw: str) -> date | None:
    match = _DATE.search(raw)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _bullets(block: list[str]) -> list[str]:
    items: list[str] = []
    for line in _strip_rules(block):
        if _RULE.match(line):
            break  # the entry's end: what follows the last entry's rule is the digest's footer
        bullet = _BULLET.match(line)
        if bullet:
            items.append(bullet.group(1).strip())
        elif items and line.strip():
            items[-1] = f"{items[-1]} {line.strip()}"  # a wrapped bullet continues on the next line
    return items


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _entry_head(lines: list[str]) -> tuple[str | None, str | None, str | None, int]:
    """The entry's anchor, title and arXiv link, and the index of the line after them."""
    anchor = title = link = None
    index = _skip_blank(lines, 0)
    if index < len(lines) and (match := _ANCHOR.match(lines[index])):
        anchor = match.group(1)
        index += 1
    index = _skip_blank(lines, index)
    if index < len(lines) and (heading := _PAPER_HEADING.match(lines[index])):
        title, link = unescape_markdown(heading.group(1)).strip(), heading.group(2)
        index += 1
    elif index < len(lines) and re.match(r"^#{2,3}\s+\S", lines[index]):
        title = unescape_markdown(lines[index].lstrip("#").strip())
        index += 1
    return anchor, title, link, index


def _take_figure(body: list[str]) -> tuple[list[str], str | None]:
    """The body without its teaser figure line, and the figure's path."""
    for offset, line in enumerate(body):
        field_match = _FIELD.match(line)
        if field_match and field_match.group(1).lower() == "abstract":
            break  # only before the abstract: an analysis may show a picture of its own
        if figure_match := _FIGURE_LINE.match(line):
            return [*body[:offset], "", *body[offset + 1:]], figure_match.group(1)  # not part of the categories
    return body, None


def _field_positions(body: list[str]) -> dict[str, int]:
    """Positions of field markers. The analysis may itself contain bold lines, so only the first marker of
    each metadata field counts, and Key Findings / Links are the last ones of the entry."""
    positions: dict[str, int] = {}
    for offset, line in enumerate(body):
        match = _FIELD.match(line)
        if not match:
            continue
        name = match.group(1).lower()
        last_one_counts = name in ("key findings", "links")
        first_before_analysis = name not in positions and ("analysis" not in positions or name == "analysis")
        if last_one_counts or first_before_analysis:
            positions[name] = offset
    if "links" in positions and "key findings" in positions and positions["links"] < positions["key findings"]:
        del positions["links"]  # a "Links:" line inside the analysis, not the entry's links section
    return positions


def _sections(body: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Each field's inline text (after its marker) and the lines up to the next field."""
    positions = _field_positions(body)
    starts = sorted(positions.values())
    found = {}
    for name, at in positions.items():
        following = [pos for pos in starts if pos > at]
        inline = _FIELD.match(body[at]).group(2).strip()  # type: ignore[union-attr]
        found[name] = (inline, body[at + 1:following[0] if following else len(body)])
    return found


def _one_line(inline: str, block: list[str]) -> str:
    return " ".join([inline, *(line.strip() for line in block)]).strip()


def _read_authors(paper: ParsedPaper, inline: str, block: list[str]) -> None:
    paper.authors = [a.strip() for a in unescape_markdown(_one_line(inline, block)).split(",") if a.strip()]


def _read_published(paper: ParsedPaper, inline: str, block: list[str]) -> None:
    paper.published_raw = _one_line(inline, block)
    paper.published = _parse_date(paper.published_raw)


def _read_categories(paper: ParsedPaper, inline: str, block: list[str]) -> None:
    # "(cross-list from cs.RO)" after the list is a label, not a category.
    listed = re.sub(r"\s*\([^)]*\)\s*$", "", unescape_markdown(_one_line(inline, block)))
    paper.categories = [c.strip() for c in listed.split(",") if c.strip()]


def _read_relevance(paper: ParsedPaper, inline: str, block: list[str]) -> None:
    paper.relevance = unescape_markdown(_one_line(inline, block))


def _read_abstract(paper: ParsedPaper, inline: str, block: list[str]) -> None:
    paper.abstract = unescape_markdown(_text([inline, *block]))


def _read_analysis(paper: ParsedPaper, inline: str, block: list[str]) -> None:
    paper.analysis = _text([inline, *block])


def _read_key_findings(paper: ParsedPaper, _inline: str, block: list[str]) -> None:
    paper.key_findings = [unescape_markdown(item) for item in _bullets(block)]


def _read_links(paper: ParsedPaper, _inline: str, block: list[str]) -> None:
    matches = [_LINK_ITEM.match(item) for item in _bullets(block)]
    paper.links = [DigestLink(unescape_markdown(match.group(1)), match.group(2)) for match in matches if match]


# What each field of an entry fills in, by the field's name in lower case.
_FIELD_READERS: dict[str, Callable[[ParsedPaper, str, list[str]], None]] = {
    "authors": _read_authors, "published": _read_published, "categories": _read_categories,
    "relevance": _read_relevance, "abstract": _read_abstract, "analysis": _read_analysis,
    "key findings": _read_key_findings, "links": _read_links,
}


def _parse_paper(lines: list[str], start_line: int) -> ParsedPaper:
    anchor, title, link, index = _entry_head(lines)
    body, figure = _take_figure(lines[index:])
    arxiv_id, version = _split_id(anchor or link)
    paper = ParsedPaper(anchor=anchor, arxiv_id=arxiv_id, version=version, title=title, link=link,
                        figure=figure, line=start_line)
    for name, (inline, block) in _sections(body).items():
        _FIELD_READERS[name](paper, inline, block)
    return paper


def parse_digest(text: str) -> ParsedDigest:
    """Parse a digest; raise DigestFormatError when the text has no digest title or no paper structure."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    header_date, digest_date, title = _heading(lines)
    sections = _top_sections(lines)
    if "papers" not in sections and not any(_ANCHOR.match(line) or _PAPER_HEADING.match(line) for line in lines):
        raise DigestFormatError("not a digest: no '## Papers' section and no paper entries")
    summary_block = _span(lines, sections, "executive summary", ("table of contents", "papers"))
    summary = _text(summary_block) if summary_block is not None else None
    toc = _contents(_span(lines, sections, "table of contents", ("papers",)) or [])
    papers_start = sections.get("papers", -1) + 1
    revised_at = _revised_heading(lines, papers_start)
    return ParsedDigest(digest_date=digest_date, header_date=header_date, title=title, summary=summary,
                        toc=toc, papers=_papers(lines[:revised_at], papers_start),
                        revised=_revised(lines, revised_at + 1) if revised_at < len(lines) else [])


def _revised_heading(lines: list[str], papers_start: int) -> int:
    """The line index of the Revised section's heading: the last `## Revised` after every paper entry (an
    analysis's own headings are demoted below `##`); len(lines) when there is none."""
    last_entry = max((i for i, line in enumerate(lines) if i >= papers_start and _ANCHOR.match(line)), default=-1)
    after = max(last_entry, papers_start - 1)
    found = [i for i, line in enumerate(lines) if i > after and _REVISED_HEADING.match(line)]
    return found[-1] if found else len(lines)


def _revised(lines: list[str], start: int) -> list[RevisedEntry]:
    """The Revised section's items, up to the rule that ends it."""
    entries = []
    for offset, line in enumerate(lines[start:]):
        if _RULE.match(line):
            break
        if not (bullet := _BULLET.match(line)):
            continue
        item = bullet.group(1).strip()
        link = _LINK_ITEM.match(item)
        url = link.group(2) if link else None
        arxiv_id, version = _split_id(url) if url and _ABS_LINK.match(url) else (None, None)
        entries.append(RevisedEntry(title=unescape_markdown(link.group(1)).strip() if link else "", link=url,
                                    arxiv_id=arxiv_id, version=version, text=item, line=start + offset + 1))
    return entries


def _heading(lines: list[str]) -> tuple[date | None, date | None, str | None]:
    """The `Time:` line's date, the title's date and the title, from the first 20 lines."""
    header_date = digest_date = None
    title = None
    for index, line in enumerate(lines[:20]):
        if header_date is None and (time_match := _TIME_LINE.match(line)):
            raw = time_match.group(1)
            try:
                header_date = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
            except ValueError as exc:
                raise DigestFormatError(f"line {index + 1}: {line.strip()!r} is not a valid date") from exc
        if title is None and (title_match := _TITLE_LINE.match(line)):
            title = title_match.group(1).strip()
            digest_date = _parse_date(title_match.group(2))
    if title is None and header_date is None:
        raise DigestFormatError(
            "not a digest: no '# Arxiv ... Papers - YYYY-MM-DD' title and no 'Time: YYYYMMDD' line "
            "in the first 20 lines"
        )
    return header_date, digest_date, title


def _top_sections(lines: list[str]) -> dict[str, int]:
    """Line index of each of the digest's own sections (Executive Summary, Table of Contents, Papers)."""
    sections: dict[str, int] = {}
    for index, line in enumerate(lines):
        match = _TOP_SECTION.match(line)
        if not match:
            continue
        name = match.group(1).lower()
        # Analyses may repeat these words as headings; the digest's own sections come first and in order.
        if name not in sections and all(index > pos for pos in sections.values()):
            sections[name] = index
        if name == "papers":
            break
    return sections


def _span(lines: list[str], sections: dict[str, int], name: str, end_names: tuple[str, ...]) -> list[str] | None:
    if name not in sections:
        return None
    start = sections[name] + 1
    ends = [sections[n] for n in end_names if n in sections and sections[n] > start - 1]
    return lines[start:min(ends) if ends else len(lines)]


def _contents(block: list[str]) -> list[TocEntry]:
    toc: list[TocEntry] = []
    for line in block:
        match = _TOC_LINE.match(line)
        if match:
            score = float(match.group(4)) if match.group(4) else None
            toc.append(TocEntry(int(match.group(1)), unescape_markdown(match.group(2)).strip(), match.group(3),
                                score))
    return toc


def _papers(lines: list[str], papers_start: int) -> list[ParsedPaper]:
    """The entries after the Papers heading, split on their anchors (or, without anchors, on paper headings)."""
    body = lines[papers_start:]
    starts = [i for i, line in enumerate(body) if _ANCHOR.match(line)]
    if not starts:
        starts = [i for i, line in enumerate(body) if _PAPER_HEADING.match(line)]
    ends = [*starts[1:], len(body)][:len(starts)]
    return [_parse_paper(body[start:end], papers_start + start + 1) for start, end in zip(starts, ends, strict=True)]
