"""Every check of a parsed digest: dates, contents, each entry's sections, ids, links, analysis and summary."""

from __future__ import annotations

import re
from datetime import date

from arxiv_digest.catalog.announcements import announcement, no_announcement_reason
from arxiv_digest.checks.analysis import check_analysis, check_key_findings
from arxiv_digest.checks.digest_format import ParsedDigest, ParsedPaper
from arxiv_digest.checks.findings import (
    BLOCKING,
    DIGEST_DATE_MISMATCH,
    DIGEST_NOT_DATED,
    DUPLICATE_PAPER,
    PAPER_ID_MISMATCH,
    PAPER_LINK_WRONG,
    PAPER_SECTION_MISSING,
    PUBLISHED_OUTSIDE_WINDOW,
    REVISED_ENTRY_MALFORMED,
    REVISED_LISTED_AS_NEW,
    SUMMARY_EMPTY,
    TOC_ANCHOR_UNRESOLVED,
    TOC_MISSING_PAPER,
    TOC_TITLE_MISMATCH,
    WARNING,
    Finding,
    Language,
)
from arxiv_digest.checks.language import infer_language
from arxiv_digest.checks.summary import check_summary
from arxiv_digest.checks.text import title_key

# Without these an entry cannot be audited at all; the others make it incomplete.
_BLOCKING_SECTIONS = ("title", "abstract", "analysis")
_WARNING_SECTIONS = ("authors", "published", "categories", "key_findings", "links")
_ANCHOR_ID = re.compile(r"v\d+$")  # a contents anchor is the versioned id: the paper's id without it


def published_outside_window(published: date, digest_date: date, *, late: bool = False) -> str:
    """Why a v1 date cannot belong to this digest's announcement (empty when it can).

    The window runs from one 14:00 US Eastern cutoff to the next, so it spans two or more UTC dates; a late
    paper (marked so in the entry) was submitted earlier still.
    """
    found = announcement(digest_date)
    if found is None:
        return f"the digest of {digest_date} is not an arXiv announcement ({no_announcement_reason(digest_date)})"
    first, last = found.window_start.date(), found.window_end.date()
    if published > last or (published < first and not late):
        return (f"published {published}, outside the window of the digest of {digest_date} "
                f"({first} – {last} UTC{'' if late else ', or earlier when marked late'})")
    return ""


def check_paper_entry(
    paper: ParsedPaper,
    *,
    digest_date: date | None,
    language: Language,
    paper_urls: set[str] | None = None,
) -> list[Finding]:
    """One entry: its sections, ids, dates, links, analysis and key findings."""
    pid = paper.paper_id
    findings = [*_missing_sections(paper), *_id_findings(paper), *_date_findings(paper, digest_date),
                *_link_findings(paper)]
    abstract = paper.abstract or ""
    if paper.analysis is not None:
        findings += check_analysis(pid, paper.analysis, abstract=abstract, paper_urls=paper_urls, language=language)
    if paper.key_findings is not None and paper.abstract is not None:
        findings += check_key_findings(pid, paper.key_findings, abstract)
    return findings


def _missing_sections(paper: ParsedPaper) -> list[Finding]:
    findings = []
    for name in (*_BLOCKING_SECTIONS, *_WARNING_SECTIONS):
        if getattr(paper, name) is None:
            severity = BLOCKING if name in _BLOCKING_SECTIONS else WARNING
            findings.append(Finding(paper.paper_id, PAPER_SECTION_MISSING, severity,
                                    f"the entry has no {name} section"))
    return findings


def _id_findings(paper: ParsedPaper) -> list[Finding]:
    findings = []
    if paper.arxiv_id is None:
        findings.append(Finding(paper.paper_id, PAPER_SECTION_MISSING, BLOCKING,
                                "no arXiv id in the anchor or the title link"))
    if paper.anchor and paper.link:
        from_link = re.search(r"/abs/(.+)$", paper.link)
        if from_link and from_link.group(1).rstrip("/") != paper.anchor:
            findings.append(Finding(paper.paper_id, PAPER_ID_MISMATCH, BLOCKING,
                                    f"anchor {paper.anchor} but the title links to {paper.link}"))
    return findings


def _date_findings(paper: ParsedPaper, digest_date: date | None) -> list[Finding]:
    if paper.published_raw is not None and paper.published is None:
        return [Finding(paper.paper_id, PUBLISHED_OUTSIDE_WINDOW, WARNING,
                        f"published date {paper.published_raw!r} is not YYYY-MM-DD")]
    if paper.published and digest_date and (problem := published_outside_window(
            paper.published, digest_date, late="late" in (paper.published_raw or "").lower())):
        return [Finding(paper.paper_id, PUBLISHED_OUTSIDE_WINDOW, WARNING, problem)]
    return []


def _link_findings(paper: ParsedPaper) -> list[Finding]:
    arxiv_id = paper.arxiv_id
    if not (paper.links and arxiv_id):
        return []
    return [Finding(paper.paper_id, PAPER_LINK_WRONG, BLOCKING,
                    f"the {link.label} link {link.url} does not point to {paper.paper_id}")
            for link in paper.links if arxiv_id not in link.url]


def check_digest(
    parsed: ParsedDigest,
    *,
    language: Language | None = None,
    paper_urls: dict[str, set[str]] | None = None,
) -> list[Finding]:
    """Every check for a parsed digest. `paper_urls` maps a versioned id to the links found in its PDF."""
    day = parsed.digest_date or parsed.header_date
    if language is None:
        language = infer_language([parsed.summary or "", *(p.analysis or "" for p in parsed.papers)])
    return [*_dating_findings(parsed), *_entry_findings(parsed, day, language, paper_urls or {}),
            *_contents_findings(parsed), *_revised_findings(parsed), *_summary_findings(parsed, day, language)]


def _dating_findings(parsed: ParsedDigest) -> list[Finding]:
    if parsed.date is None:
        return [Finding("", DIGEST_NOT_DATED, BLOCKING, "no date in the title or the Time: line")]
    if parsed.digest_date and parsed.header_date and parsed.digest_date != parsed.header_date:
        return [Finding("", DIGEST_DATE_MISMATCH, BLOCKING,
                        f"Time: line says {parsed.header_date}, the title says {parsed.digest_date}")]
    return []


def _entry_findings(parsed: ParsedDigest, day: date | None, language: Language,
                    paper_urls: dict[str, set[str]]) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    for paper in parsed.papers:
        key = paper.paper_id
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            findings.append(Finding(key, DUPLICATE_PAPER, BLOCKING, "the paper has more than one entry"))
        findings += check_paper_entry(paper, digest_date=day, language=language, paper_urls=paper_urls.get(key))
    return findings


def _contents_findings(parsed: ParsedDigest) -> list[Finding]:
    """The table of contents against the entries: every item resolves, under the entry's title; every entry listed."""
    findings = []
    anchors = {p.anchor: p for p in parsed.papers if p.anchor}
    for entry in parsed.toc:
        target = anchors.get(entry.anchor)
        if target is None:
            findings.append(Finding(entry.anchor, TOC_ANCHOR_UNRESOLVED, BLOCKING,
                                    f"table of contents item {entry.number} links to #{entry.anchor}, "
                                    "which no paper entry has"))
        elif target.title and title_key(target.title) != title_key(entry.title):
            findings.append(Finding(entry.anchor, TOC_TITLE_MISMATCH, WARNING,
                                    f"contents say {entry.title!r}, the entry says {target.title!r}"))
    listed = {entry.anchor for entry in parsed.toc}
    for paper in parsed.papers:
        if paper.anchor and paper.anchor not in listed:
            findings.append(Finding(paper.paper_id, TOC_MISSING_PAPER, WARNING,
                                    "the paper is not in the table of contents"))
    return findings


def _revised_findings(parsed: ParsedDigest) -> list[Finding]:
    """The Revised section: each item links to a version (v2 on) of an arXiv paper, and none is a paper of the day."""
    findings = []
    new = {p.arxiv_id for p in parsed.papers if p.arxiv_id} | {_anchor_id(e.anchor) for e in parsed.toc}
    for entry in parsed.revised:
        if entry.arxiv_id is None or entry.version is None or entry.version < 2 or not entry.title:
            findings.append(Finding("", REVISED_ENTRY_MALFORMED, BLOCKING,
                                    f"line {entry.line}: a revised item needs a title linked to a new version's "
                                    f"arXiv page (…/abs/IDv2 on): {entry.text[:120]!r}"))
        elif entry.arxiv_id in new:
            findings.append(Finding(f"{entry.arxiv_id}v{entry.version}", REVISED_LISTED_AS_NEW, BLOCKING,
                                    "listed as revised and as a paper of the day"))
    return findings


def _anchor_id(anchor: str) -> str:
    return _ANCHOR_ID.sub("", anchor)


def _summary_findings(parsed: ParsedDigest, day: date | None, language: Language) -> list[Finding]:
    if parsed.summary is None:
        return [Finding("", SUMMARY_EMPTY, BLOCKING, "no Executive Summary section")]
    if day is None:
        return []
    return check_summary(
        parsed.summary,
        digest_date=day,
        paper_titles=[p.title for p in parsed.papers if p.title],
        language=language,
        paper_texts=[p.abstract for p in parsed.papers if p.abstract],
    )
