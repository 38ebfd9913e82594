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
    findings: list[Finding] = []
    for name in (*_BLOCKING_SECTIONS, *_WARNING_SECTIONS):
        if getattr(paper, name) is None:
            severity = BLOCKING if name in _BLOCKING_SECTIONS else WARNING
            findings.append(Finding(pid, PAPER_SECTION_MISSING, severity, f"the entry has no {name} section"))
    if paper.arxiv_id is None:
        findings.append(Finding(pid, PAPER_SECTION_MISSING, BLOCKING, "no arXiv id in the anchor or the title link"))
    if paper.anchor and paper.link:
        from_link = re.search(r"/abs/(.+)$", paper.link)
        if from_link and from_link.group(1).rstrip("/") != paper.anchor:
            findings.append(Finding(pid, PAPER_ID_MISMATCH, BLOCKING,
                                    f"anchor {paper.anchor} but the title links to {paper.link}"))
    if paper.published_raw is not None and paper.published is None:
        findings.append(Finding(pid, PUBLISHED_OUTSIDE_WINDOW, WARNING,
                                f"published date {paper.published_raw!r} is not YYYY-MM-DD"))
    elif paper.published and digest_date and (problem := published_outside_window(
            paper.published, digest_date, late="late" in (paper.published_raw or "").lower())):
        findings.append(Finding(pid, PUBLISHED_OUTSIDE_WINDOW, WARNING, problem))
    if paper.links and paper.arxiv_id:
        for link in paper.links:
            if paper.arxiv_id not in link.url:
                findings.append(Finding(pid, PAPER_LINK_WRONG, BLOCKING,
                                        f"the {link.label} link {link.url} does not point to {pid}"))
    abstract = paper.abstract or ""
    if paper.analysis is not None:
        findings += check_analysis(pid, paper.analysis, abstract=abstract, paper_urls=paper_urls, language=language)
    if paper.key_findings is not None and paper.abstract is not None:
        findings += check_key_findings(pid, paper.key_findings, abstract)
    return findings


def check_digest(
    parsed: ParsedDigest,
    *,
    language: Language | None = None,
    paper_urls: dict[str, set[str]] | None = None,
) -> list[Finding]:
    """Every check for a parsed digest. `paper_urls` maps a versioned id to the links found in its PDF."""
    findings: list[Finding] = []
    day = parsed.digest_date or parsed.header_date
    if day is None:
        findings.append(Finding("", DIGEST_NOT_DATED, BLOCKING, "no date in the title or the Time: line"))
    elif parsed.digest_date and parsed.header_date and parsed.digest_date != parsed.header_date:
        findings.append(Finding("", DIGEST_DATE_MISMATCH, BLOCKING,
                                f"Time: line says {parsed.header_date}, the title says {parsed.digest_date}"))
    if language is None:
        language = infer_language([parsed.summary or "", *(p.analysis or "" for p in parsed.papers)])

    seen: dict[str, int] = {}
    for paper in parsed.papers:
        key = paper.paper_id
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            findings.append(Finding(key, DUPLICATE_PAPER, BLOCKING, "the paper has more than one entry"))
        urls = (paper_urls or {}).get(key)
        findings += check_paper_entry(paper, digest_date=day, language=language, paper_urls=urls)

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

    if parsed.summary is None:
        findings.append(Finding("", SUMMARY_EMPTY, BLOCKING, "no Executive Summary section"))
    elif day is not None:
        findings += check_summary(
            parsed.summary,
            digest_date=day,
            paper_titles=[p.title for p in parsed.papers if p.title],
            language=language,
            paper_texts=[p.abstract for p in parsed.papers if p.abstract],
        )
    return findings
