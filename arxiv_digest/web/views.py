"""What each page of the web app shows, computed from a read-only store: pure functions, no request, no HTTP.

Functions ending in `_html` return HTML that is already escaped; everything else returns plain values that the
templates escape (Jinja2 autoescape).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from arxiv_digest.catalog.coverage import coverage_cell
from arxiv_digest.ids import parse_arxiv_id
from arxiv_digest.interests.day import stored_scores
from arxiv_digest.publish.day import digest_view, profile_view
from arxiv_digest.publish.html import render_html
from arxiv_digest.publish.markdown import strip_controls
from arxiv_digest.settings import Settings
from arxiv_digest.steps.publish import publish_options
from arxiv_digest.store import Store
from arxiv_digest.store.reader import PaperState
from arxiv_digest.web.signing import ACTION_LABELS, FEEDBACK_ACTIONS
from schemas.records import Analysis, Figure, Link, Paper, Section

ACTIONS = FEEDBACK_ACTIONS


# -- the archive ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRow:
    day: date
    category: str
    status: str
    papers: int
    coverage: str  # '4/4', 'not verified', '-'
    error: str


def day_rows(store: Store | None, category: str | None = None) -> list[DayRow]:
    """Every stored day, newest first (optionally one category), with its status and coverage."""
    if store is None:
        return []
    coverages = store.coverages()
    rows = [DayRow(run.digest_date, run.category, str(run.status), int(run.counts.get("papers", 0)),
                   coverage_cell(coverages.get((run.digest_date, run.category))), run.error or "")
            for run in store.runs() if category is None or run.category == category]
    return sorted(rows, key=lambda r: (r.day, r.category), reverse=True)


def categories(rows: Sequence[DayRow]) -> list[str]:
    return sorted({r.category for r in rows})


# -- the day ------------------------------------------------------------------------------------------------


def day_page_html(store: Store, settings: Settings, day: date, category: str, profile: str,
                  actions_html: Mapping[str, str]) -> str:
    """The day as the HTML digest (the publisher's renderer), in the profile's ranking when it has one, with
    the feedback buttons under each paper."""
    view = digest_view(store, publish_options(settings), day, category)
    chosen = next((p for p in settings.profiles if p.name == profile), None)
    if chosen is not None:
        view = profile_view(view, chosen, stored_scores(store, day, category, chosen.name))
    return render_html(dataclasses.replace(view, actions_html=actions_html))


def day_paper_ids(store: Store, day: date, category: str) -> list[str]:
    return [p.versioned_id for p in store.digest_papers(day, category)]


# -- a paper ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holding:
    day: date
    category: str
    ranks: Mapping[str, tuple[int, int]]  # profile -> (rank, of how many)


@dataclass(frozen=True)
class PaperPage:
    paper: Paper
    analysis: Analysis | None
    figure: Figure | None
    sections: Sequence[Section]
    links: Sequence[Link]
    holdings: Sequence[Holding]
    state: PaperState = field(default_factory=PaperState)

    @property
    def code_links(self) -> list[Link]:
        return [link for link in self.links if link.is_code]


def find_paper(store: Store, paper_id: str) -> Paper | None:
    """A paper by '2601.99001' (its newest stored version) or '2601.99001v1'; None when unknown or malformed."""
    try:
        parsed = parse_arxiv_id(paper_id)
    except ValueError:
        return None
    if parsed.version is not None:
        return store.paper(parsed.base, parsed.version) if parsed.version < 1000 else None
    newest = store.newest_papers([parsed.base])
    return newest[0] if newest else None


def paper_page(store: Store, paper: Paper, state: PaperState) -> PaperPage:
    holdings = []
    analysis = None
    for category in sorted({run.category for run in store.runs()}):
        held_on = store.holders(category, [paper.arxiv_id]).get(paper.arxiv_id)
        if held_on is None:
            continue
        holdings.append(Holding(held_on, category, store.paper_ranks(held_on, category, paper.arxiv_id,
                                                                       paper.version)))
        analysis = analysis or store.digest_analyses(held_on, category).get(paper.versioned_id)
    pdf = store.pdf(paper.arxiv_id, paper.version)
    sha = pdf.sha256 if pdf is not None else None
    figure = store.figure(sha) if sha else None
    return PaperPage(paper=paper, analysis=analysis, figure=figure if figure and figure.path else None,
                     sections=store.sections(sha) if sha else [], links=store.links(sha) if sha else [],
                     holdings=holdings, state=state)


# -- search ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


def page_links(path: str, params: dict[str, str], current: int, per_page: int, total: int,
               around: int = 3) -> list[PageLink]:
    """Links to the pages of results near the current one (none for a single page)."""
    last = max(1, -(-total // per_page))
    if last == 1:
        return []
    numbers = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    return [PageLink(n, f"{path}?{urlencode({**params, 'page': n})}", n == current) for n in numbers]


# -- the feedback buttons ------------------------------------------------------------------------------------


def feedback_forms_html(paper_id: str, profile: str, csrf: str, state: PaperState, back: str) -> str:
    """The like/dislike/save/seen buttons of one paper as POST forms (work without JavaScript); escaped."""
    esc = html.escape
    pressed = {"like": state.liked, "dislike": state.disliked, "save": state.saved, "seen": state.seen}
    buttons = []
    for action in ACTIONS:
        sent = "unsave" if action == "save" and state.saved else action
        label = ACTION_LABELS[sent] if sent == "unsave" else ACTION_LABELS[action]
        buttons.append(
            f"<form method=\"post\" action=\"/feedback\" class=\"fb\"><input type=\"hidden\" name=\"paper\" "
            f"value=\"{esc(paper_id)}\"><input type=\"hidden\" name=\"action\" value=\"{esc(sent)}\">"
            f"<input type=\"hidden\" name=\"profile\" value=\"{esc(profile)}\"><input type=\"hidden\" "
            f"name=\"csrf\" value=\"{esc(csrf)}\"><input type=\"hidden\" name=\"back\" value=\"{esc(back)}\">"
            f"<button type=\"submit\" data-action=\"{esc(action)}\" aria-pressed=\"{str(pressed[action]).lower()}\">"
            f"{esc(label)}</button></form>")
    return f"<div class=\"feedback\" data-paper=\"{esc(paper_id)}\">{''.join(buttons)}</div>"


def plain(text: str) -> str:
    """Untrusted text without control characters (the templates escape it)."""
    return " ".join(strip_controls(text).split())


def library_rows(store: Store | None, entries: Sequence[Any]) -> list[Paper]:
    if store is None:
        return []
    return [p for e in entries if (p := store.paper(e.arxiv_id, e.version)) is not None]

