"""What every route of the web app shares: the app's state (settings, key, reading copy, templates, search index)
and the small helpers that read a request's values, render a page or write one feedback.

The state is built once by `create_app` and kept in `app.state.web`; a route reads it with `web_state(request)`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from arxiv_digest.search import INDEX_DIR, SearchIndex, ThemeCache
from arxiv_digest.search.trends import THEMES_DIR
from arxiv_digest.settings import Settings
from arxiv_digest.store.reader import FeedbackAction, PaperState, ReaderStore, reader_path
from arxiv_digest.web import views
from arxiv_digest.web.reading_copy import DayFilesCopy, ReadingCopy, reading_copy
from arxiv_digest.web.signing import load_secret, profile_names
from arxiv_digest.web.trends_worker import TrendsWorker

SESSION_COOKIE = "digest_session"
AUTH_COOKIE = "digest_auth"
FIGURE_NAME = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png)$")
CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")
OPEN_PATHS = ("/login", "/static/", "/f/")  # reachable without the token: the signed links carry their own proof


@dataclass
class WebState:
    """Everything the routes share, built once per app."""

    settings: Settings
    key: bytes
    copy: ReadingCopy | DayFilesCopy
    templates: Environment
    profiles: list[str]
    index: SearchIndex
    index_lock: threading.Lock = field(default_factory=threading.Lock)
    indexed: datetime | None = None  # the reading copy's time the index was last refreshed from
    # Each week's themes, remembered across trends pages and restarts (a past week does not change; its themes
    # take seconds): in memory and in <data_dir>/web/themes/. The worker computes the weeks a page lacks.
    themes: ThemeCache = field(default_factory=ThemeCache)
    trends: TrendsWorker = field(init=False)

    def __post_init__(self) -> None:
        self.trends = TrendsWorker(self.themes)

    @classmethod
    def build(cls, settings: Settings) -> WebState:
        """The state over `settings.data_dir`: a reading copy of the store, the templates, the search index."""
        templates = Environment(loader=FileSystemLoader(str(resources.files("arxiv_digest.web") / "templates")),
                                autoescape=True)
        templates.globals.update(plain=views.plain)
        return cls(settings=settings,
                   key=load_secret(settings.web_secret, settings.data_dir),
                   copy=reading_copy(settings),
                   templates=templates,
                   profiles=profile_names([p.name for p in settings.profiles]),
                   index=SearchIndex.open(settings.data_dir / INDEX_DIR),
                   themes=ThemeCache(folder=settings.data_dir / "web" / THEMES_DIR))


def web_state(request: Request) -> WebState:
    """The app's shared state, as `create_app` stored it."""
    state: WebState = request.app.state.web
    return state


def day_value(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


def category_value(value: str) -> str:
    if not CATEGORY.match(value) or len(value) > 40:
        raise HTTPException(400, f"{value[:40]!r} is not an arXiv category")
    return value


def safe_back(value: str) -> str:
    """Where to go after a form: a path on this app only (no //host, no scheme)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


def profile_of(request: Request, value: str | None = None) -> str:
    profiles = web_state(request).profiles
    chosen = value if value is not None else request.query_params.get("profile", "")
    if not chosen:
        return profiles[0]
    if chosen not in profiles:
        raise HTTPException(400, f"unknown profile {chosen[:40]!r}; configured: {', '.join(profiles)}")
    return chosen


def copy_note(web: WebState) -> str:
    state = web.copy.state
    if state.copied_at is None:
        return "no store yet" if not state.writing else "a run is writing; the archive appears when it ends"
    when = state.copied_at.strftime("%H:%M UTC")
    left_out = f"; cannot read {', '.join(state.unreadable)} (see `arxiv-digest status`)" if state.unreadable else ""
    if state.held:  # per-day: the other days are current, the held ones appear when their run ends
        days = ", ".join(state.held)
        return f"a run is writing {days}; it appears when the run ends (archive as of {when}){left_out}"
    return (f"a run is writing; showing the archive as of {when}" if state.writing else f"archive as of {when}") + \
        left_out


def page(name: str, request: Request, status: int = 200, **values: Any) -> HTMLResponse:
    web = web_state(request)
    html = web.templates.get_template(name).render(copy_note=copy_note(web), **values)
    # The trends' default windows, after each new copy of the store; queued once the page is rendered, so the
    # worker's reads do not slow this page down.
    web.trends.warm(web.copy, web.profiles)
    return HTMLResponse(html, status_code=status)


def session(request: Request) -> str:
    return str(request.state.session)


def reader_state(web: WebState, profile: str, arxiv_id: str) -> PaperState:
    path = reader_path(web.settings.data_dir)
    if not path.is_file():
        return PaperState()
    with ReaderStore.open(path, read_only=True) as reader:
        return reader.paper_state(profile, arxiv_id)


def reader_states(web: WebState, profile: str, ids: list[str]) -> dict[str, PaperState]:
    path = reader_path(web.settings.data_dir)
    if not path.is_file():
        return {vid: PaperState() for vid in ids}
    with ReaderStore.open(path, read_only=True) as reader:
        return {vid: reader.paper_state(profile, vid.rsplit("v", 1)[0]) for vid in ids}


def library_papers(web: WebState, profile: str) -> list[Any]:
    path = reader_path(web.settings.data_dir)
    if not path.is_file():
        return []
    with ReaderStore.open(path, read_only=True) as reader:
        entries = reader.library(profile)
    with web.copy.store() as store:
        return views.library_rows(store, entries)


def record(web: WebState, profile: str, paper_id: str, action: str) -> str:
    """Write one feedback to the reader's file (never the main store); the paper's title for the answer."""
    try:
        chosen = FeedbackAction(action)
    except ValueError:
        raise HTTPException(400, f"unknown action {action[:20]!r}") from None
    with web.copy.store() as store:
        paper = views.find_paper(store, paper_id) if store is not None else None
    if paper is None:
        raise HTTPException(404, f"no stored paper {paper_id[:40]!r}")
    with ReaderStore.open(reader_path(web.settings.data_dir)) as reader:
        reader.record_feedback(profile, paper.arxiv_id, paper.version, chosen)
    return paper.title
