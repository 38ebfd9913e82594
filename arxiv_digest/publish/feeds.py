"""The category's index page, its Atom feed, and a day's JSON export."""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from arxiv_digest.analysis.summary import category_name
from arxiv_digest.publish.html import _html_page, _markdown_to_html
from arxiv_digest.publish.view import DigestView
from schemas.records import AnalysisKind

log = logging.getLogger(__name__)


def _listing_title(category: str, label: str) -> str:
    return f"Arxiv {category_name(category)} digests" + (f" ({label})" if label else "")


def render_index(category: str, days: Sequence[tuple[date, int]], label: str = "") -> str:
    """The list of published days, newest first, each linking to its page."""
    items = "".join(
        f"<li><a href=\"{d.isoformat()}.html\">{d.isoformat()}</a> ({n} papers)</li>"
        for d, n in sorted(days, reverse=True)
    )
    title = _listing_title(category, label)
    return _html_page(title, f"<h1>{html.escape(title)}</h1><ul>{items or '<li>No digest yet.</li>'}</ul>")


def render_atom(category: str, entries: Sequence[tuple[date, int, str]], updated: datetime,
                site_id: str = "urn:arxiv-digest", label: str = "") -> str:
    """An Atom feed of digests: one entry per day, its content the day's executive summary; `label` ("offline
    sample") goes into the feed's and every entry's title."""
    esc = html.escape
    title = _listing_title(category, label)
    entry_label = f" [{label}]" if label else ""
    items = []
    for day, count, summary in sorted(entries, reverse=True):
        items.append(
            "<entry>"
            f"<id>{esc(site_id)}:{esc(category)}:{day.isoformat()}</id>"
            f"<title>{esc(category)} digest {day.isoformat()} ({count} papers){esc(entry_label)}</title>"
            f"<updated>{day.isoformat()}T00:00:00Z</updated>"
            f"<link rel=\"alternate\" type=\"text/html\" href=\"{day.isoformat()}.html\"/>"
            f"<content type=\"html\">{esc(_markdown_to_html(summary))}</content>"
            "</entry>"
        )
    return (
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        f"<id>{esc(site_id)}:{esc(category)}</id><title>{esc(title)}</title>"
        f"<updated>{updated.strftime('%Y-%m-%dT%H:%M:%SZ')}</updated>"
        "<author><name>arxiv-digest</name></author>"
        f"<link rel=\"self\" href=\"feed.atom\"/>{''.join(items)}</feed>\n"
    )


def _figure_record(view: DigestView, versioned_id: str) -> dict[str, Any] | None:
    figure = view.figures.get(versioned_id)
    if figure is None:
        return None
    return {"path": figure.src, "caption": figure.caption, "number": figure.number, "page": figure.page,
            "width": figure.width, "height": figure.height}


def export_json(view: DigestView) -> str:
    """The day as data, for other tools."""
    digest_day, category, papers, analyses = view.digest_day, view.category, view.papers, view.analyses
    summary, late = view.summary, view.late
    records = []
    for paper in papers:
        analysis = analyses.get(paper.versioned_id)
        records.append(
            {
                "id": paper.versioned_id,
                "arxiv_id": paper.arxiv_id,
                "version": paper.version,
                "title": paper.title,
                "authors": list(paper.authors),
                "categories": list(paper.categories),
                "primary_category": paper.primary_category,
                "published": paper.published.isoformat(),
                "cross_list": paper.primary_category != category,
                "late": paper.arxiv_id in late,
                "abstract": paper.abstract,
                "analysis": None if analysis is None else {
                    "kind": analysis.kind,
                    "analyzer": analysis.analyzer,
                    "language": analysis.language,
                    "label": analysis.label,
                    "content": analysis.content if analysis.kind != AnalysisKind.WITHHELD else "",
                    "notice": analysis.notice,
                },
                "key_findings": list(analysis.key_findings) if analysis else [],
                "figure": _figure_record(view, paper.versioned_id),
            }
        )
        if (relevance := view.relevance.get(paper.versioned_id)) is not None:
            records[-1]["relevance"] = {"rank": relevance.rank, "score": relevance.score, "reason": relevance.reason}
    payload = {"digest_date": digest_day.isoformat(), "category": category, "sample": view.sample,
               "summary": summary, "papers": records,
               "coverage": dict(view.coverage) if view.coverage is not None else None}
    if view.revised:  # new versions of the reader's liked and saved papers: not papers of the day
        payload["revised"] = [{"id": paper.versioned_id, "arxiv_id": paper.arxiv_id, "version": paper.version,
                               "title": paper.title, "updated": paper.updated.isoformat(), "comment": paper.comment,
                               "journal_ref": paper.journal_ref,
                               "held_by": [{"profile": h.profile, "kind": h.kind} for h in paper.held_by]}
                              for paper in view.revised]
    if view.profile:
        payload.update(profile=view.profile, cut_note=view.cut_note)
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
