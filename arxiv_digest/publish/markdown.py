"""The digest as markdown in the seed's structure, with escaping that keeps paper text from breaking it."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

from arxiv_digest.analysis.summary import category_name
from arxiv_digest.checks.structure import WITHHELD_PREFIX
from arxiv_digest.publish.view import DigestView
from arxiv_digest.wording import Wording, wording_for
from schemas.records import Analysis, AnalysisKind, Paper, RevisedPaper

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_LINK = re.compile(r"\]\(\s*(javascript|data|vbscript|file):", re.IGNORECASE)
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]#|])")
_TOP_HEADING = re.compile(r"^ {0,3}#{1,2}(?=\s)", re.MULTILINE)



def strip_controls(text: str) -> str:
    """Drop control characters and bidirectional overrides that could disguise text."""
    return _CONTROL.sub("", text)


def md_inline(text: str) -> str:
    """Text from arXiv placed inline (titles, authors): markdown and HTML have no effect."""
    flat = " ".join(strip_controls(text).split())
    # Entities, not backslashes, for angle brackets: every renderer shows them as text.
    return _INLINE_SPECIALS.sub(r"\\\1", flat).replace("<", "&lt;").replace(">", "&gt;")


def md_block(text: str) -> str:
    """A block of markdown we or a model wrote: kept as markdown, but no raw HTML and no script links."""
    cleaned = strip_controls(text).replace("<", "&lt;")
    # Level-1/2 headings belong to the digest's own structure (the paper entries): demote them.
    cleaned = _TOP_HEADING.sub("###", cleaned).replace("![", "!\\[")
    return _UNSAFE_LINK.sub("](#blocked:", cleaned).strip()


def md_plain_block(text: str) -> str:
    """A block of text from arXiv (abstracts): one paragraph, no markup."""
    flat = md_inline(text)
    return re.sub(r"^([>+-]|\d+\.)", r"\\\1", flat)


@dataclass(frozen=True)
class EntryAnalysis:
    """What a paper's entry shows under Analysis, whatever the output format."""

    state: str  # analysis | withheld | unavailable
    text: str  # the analysis, the withholding notice, or why none is available
    findings: tuple[str, ...]


def entry_analysis(versioned_id: str, analyses: dict[str, Analysis], failures: dict[str, str]) -> EntryAnalysis:
    analysis = analyses.get(versioned_id)
    if analysis is None:
        return EntryAnalysis("unavailable", failures.get(versioned_id, "no analysis stored"), ())
    if analysis.kind == AnalysisKind.WITHHELD:
        return EntryAnalysis("withheld", analysis.notice or "it failed the quality checks", analysis.key_findings)
    # Our label (who wrote it, why a fallback) above the model's text: stored apart, shown together.
    return EntryAnalysis("analysis", analysis.labelled(), analysis.key_findings)


def late_note(paper: Paper, late: Collection[str], language: str) -> str:
    """Beside the date of a paper that arrived after its own announcement (held by moderation, API lag)."""
    if paper.arxiv_id not in late:
        return ""
    return wording_for(language).late_note


def cross_list_note(paper: Paper, category: str, language: str) -> str:
    if paper.primary_category == category:
        return ""
    return wording_for(language).cross_list_note.format(primary=paper.primary_category)


def _spaced(note: str) -> str:
    return f" {note}" if note else ""


def anchor(paper: Paper) -> str:
    return paper.versioned_id


def toc_score(view: DigestView, paper: Paper) -> str:
    """After a profile digest's table-of-contents entry: the paper's score."""
    relevance = view.relevance.get(paper.versioned_id)
    return f" — {relevance.shown_score}" if relevance else ""


def relevance_lines(view: DigestView, paper: Paper) -> list[str]:
    """In a profile's digest, under the categories: the score and the one-line reason."""
    relevance = view.relevance.get(paper.versioned_id)
    if relevance is None:
        return []
    return [f"**Relevance:** {relevance.shown_score} — {md_inline(relevance.reason)}", ""]


def render_markdown(view: DigestView) -> str:
    """The day's digest in the seed's Markdown layout."""
    wording = wording_for(view.language)
    out = _head_lines(view, wording)
    for paper in view.papers:
        out += _entry_lines(view, paper, wording)
    out += _revised_lines(view, wording)
    if view.coverage_line:
        out += [md_inline(view.coverage_line), ""]
    return "\n".join(out).rstrip() + "\n"


def _head_lines(view: DigestView, wording: Wording) -> list[str]:
    """Time line, title, the sample notice, the executive summary and the table of contents."""
    out: list[str] = [
        f"Time: {view.digest_day.strftime('%Y%m%d')}",
        "",
        f"# Arxiv {category_name(view.category)} Papers - {view.digest_day.isoformat()}",
        "",
        *([f"> **{wording.sample_notice}**", ""] if view.sample else []),  # our own words: no escaping
        "## Executive Summary",
        "",
        md_block(view.summary),
        "",
        "---",
        "",
        "## Table of Contents",
        "",
    ]
    if view.papers:
        out += [f"{i}. [{md_inline(p.title)}](#{anchor(p)}){toc_score(view, p)}"
                for i, p in enumerate(view.papers, start=1)]
    else:
        out.append(wording.no_papers)
    if view.cut_note:
        out += ["", md_inline(view.cut_note)]
    return [*out, "", "---", "", "## Papers", ""]


def _entry_lines(view: DigestView, paper: Paper, wording: Wording) -> list[str]:
    """One paper's entry: title, authors, dates, categories, relevance, figure, abstract, analysis, links."""
    vid, abs_url = paper.versioned_id, view.abs_url
    out = [
        f"<a id='{anchor(paper)}'></a>",
        f"## [{md_inline(paper.title)}]({abs_url}/{vid})",
        "",
        f"**Authors:** {md_inline(', '.join(paper.authors))}",
        "",
        f"**Published:** {paper.published.date().isoformat()}"
        f"{_spaced(md_inline(late_note(paper, view.late, view.language)))}",
        "",
        f"**Categories:** {md_inline(', '.join(paper.categories))}"
        f"{_spaced(md_inline(cross_list_note(paper, view.category, view.language)))}",
        "",
        *relevance_lines(view, paper),
    ]
    if view.markdown_figures and (figure := view.figures.get(vid)) is not None:
        # One line, alt text = the paper's caption: the digest parser reads it as the entry's figure.
        out += [f"![{md_inline(figure.caption[:300])}]({figure.src})", ""]
    out += ["**Abstract:**", "", md_plain_block(paper.abstract), "", "**Analysis:**", ""]
    out += _analysis_lines(entry_analysis(vid, view.analyses, view.failures), wording)
    return [*out, "", "**Links:**", "", f"- [PDF]({view.pdf_url}/{vid})", f"- [arXiv]({abs_url}/{vid})", "",
            "---", ""]


REVISED_HEADING = "Revised"


def revised_parts(paper: RevisedPaper, language: str) -> tuple[str, str, str]:
    """A revised paper's plain-text parts after its title: 'v3, 2026-03-03', arXiv's comment ('' without one),
    and whose library or likes hold it."""
    wording = wording_for(language)
    holders = ", ".join((wording.revised_library if hold.kind == "library" else wording.revised_likes)
                        .format(profile=hold.profile) for hold in paper.held_by)
    comment = wording.revised_comment.format(comment=paper.comment) if paper.comment else ""
    return (f"v{paper.version}, {paper.updated.date().isoformat()}", comment,
            wording.revised_held.format(holders=holders))


def _revised_lines(view: DigestView, wording: Wording) -> list[str]:
    """After the papers: one line per new version of a liked or saved paper, linked to that version."""
    if not view.revised:
        return []
    out = [f"## {REVISED_HEADING}", "", wording.revised_lead, ""]
    for paper in view.revised:
        parts = [f"[{md_inline(paper.title)}]({view.abs_url}/{paper.versioned_id})",
                 *(md_inline(part) for part in revised_parts(paper, view.language) if part)]
        out.append("- " + " — ".join(parts))
    return [*out, "", "---", ""]


def _analysis_lines(entry: EntryAnalysis, wording: Wording) -> list[str]:
    """The analysis (or why there is none) and its key findings."""
    if entry.state == "unavailable":
        text = wording.analysis_unavailable.format(reason=md_inline(entry.text))
    elif entry.state == "withheld":
        text = f"{WITHHELD_PREFIX} {md_inline(entry.text)}"
    else:
        text = md_block(entry.text)
    findings = [f"- {md_plain_block(f)}" for f in entry.findings] or [f"- {wording.no_key_findings}"]
    return [text, "", "**Key Findings:**", "", *findings]
