"""The web app's routes: parse the request, read the reading copy or write the reader's file, render a page.

What a page shows is computed in `views.py`; this module only speaks HTTP. Every error is a page with its status
(400 for a bad value, 404 for an unknown id), never a traceback.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from arxiv_digest.bibtex import library_bibtex
from arxiv_digest.publish.html import _markdown_to_html
from arxiv_digest.search import INDEX_DIR, SearchIndex, parse_search_query, trend_charts, trends
from arxiv_digest.settings import Settings
from arxiv_digest.store.reader import FeedbackAction, PaperState, ReaderStore, reader_path
from arxiv_digest.web import views
from arxiv_digest.web.reading_copy import ReadingCopy
from arxiv_digest.web.signing import (
    SignedFeedback,
    csrf_token,
    csrf_valid,
    load_secret,
    profile_names,
    signature_problem,
    token_valid,
)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SESSION_COOKIE = "digest_session"
AUTH_COOKIE = "digest_auth"
FIGURE_NAME = re.compile(r"^[0-9a-f]{64}\.(?:jpg|png)$")
CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")
OPEN_PATHS = ("/login", "/static/", "/f/")  # reachable without the token: the signed links carry their own proof


def host_problem(host: str, token: str) -> str:
    """Why the app must not start on this host ('' when it may): beyond loopback a token is required."""
    if host in LOOPBACK_HOSTS or token:
        return ""
    return (f"refusing to serve on {host} without a token: set ARXIV_DIGEST_WEB_TOKEN (anyone who can reach "
            "this host could read and change your feedback), or use --host 127.0.0.1")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


def _category(value: str) -> str:
    if not CATEGORY.match(value) or len(value) > 40:
        raise HTTPException(400, f"{value[:40]!r} is not an arXiv category")
    return value


def _safe_back(value: str) -> str:
    """Where to go after a form: a path on this app only (no //host, no scheme)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


def create_app(settings: Settings) -> Starlette:
    """The app over `settings.data_dir`: reads a reading copy of the store, writes the reader's file."""
    key = load_secret(settings.web_secret, settings.data_dir)
    copy = ReadingCopy(settings.db_path, settings.data_dir / "web" / "reading-copy.duckdb")
    templates = Environment(loader=FileSystemLoader(str(resources.files("arxiv_digest.web") / "templates")),
                            autoescape=True)
    templates.globals.update(plain=views.plain)
    profiles = profile_names([p.name for p in settings.profiles])
    index = SearchIndex.open(settings.data_dir / INDEX_DIR)
    index_lock = threading.Lock()
    indexed: list[datetime | None] = [None]  # the reading copy's time the index was last refreshed from

    def profile_of(request: Request, value: str | None = None) -> str:
        chosen = value if value is not None else request.query_params.get("profile", "")
        if not chosen:
            return profiles[0]
        if chosen not in profiles:
            raise HTTPException(400, f"unknown profile {chosen[:40]!r}; configured: {', '.join(profiles)}")
        return chosen

    def copy_note() -> str:
        state = copy.state
        if state.copied_at is None:
            return "no store yet" if not state.writing else "a run is writing; the archive appears when it ends"
        when = state.copied_at.strftime("%H:%M UTC")
        return f"a run is writing; showing the archive as of {when}" if state.writing else f"archive as of {when}"

    def page(name: str, request: Request, status: int = 200, **values: Any) -> HTMLResponse:
        html = templates.get_template(name).render(copy_note=copy_note(), **values)
        return HTMLResponse(html, status_code=status)

    def session(request: Request) -> str:
        return str(request.state.session)

    def reader_state(profile: str, arxiv_id: str) -> PaperState:
        path = reader_path(settings.data_dir)
        if not path.is_file():
            return PaperState()
        with ReaderStore.open(path, read_only=True) as reader:
            return reader.paper_state(profile, arxiv_id)

    def record(profile: str, paper_id: str, action: str) -> str:
        """Write one feedback to the reader's file (never the main store); the paper's title for the answer."""
        try:
            chosen = FeedbackAction(action)
        except ValueError:
            raise HTTPException(400, f"unknown action {action[:20]!r}") from None
        with copy.store() as store:
            paper = views.find_paper(store, paper_id) if store is not None else None
        if paper is None:
            raise HTTPException(404, f"no stored paper {paper_id[:40]!r}")
        with ReaderStore.open(reader_path(settings.data_dir)) as reader:
            reader.record_feedback(profile, paper.arxiv_id, paper.version, chosen)
        return paper.title

    # -- pages -----------------------------------------------------------------------------------------

    def home(request: Request) -> Response:
        with copy.store() as store:
            rows = views.day_rows(store)
        if not rows:
            return RedirectResponse("/archive", 303)
        return RedirectResponse(f"/day/{rows[0].category}/{rows[0].day.isoformat()}", 303)

    def archive(request: Request) -> Response:
        category = request.query_params.get("category") or None
        with copy.store() as store:
            every = views.day_rows(store)
        rows = [r for r in every if category is None or r.category == category]
        return page("archive.html", request, title="Archive", rows=rows, categories=views.categories(every),
                    category=category)

    def day_page(request: Request) -> Response:
        category = _category(request.path_params["category"])
        day = _day(request.path_params["day"])
        profile = profile_of(request)
        with copy.store() as store:
            ids = views.day_paper_ids(store, day, category) if store is not None else []
            if not ids and (store is None or store.run(day, category) is None):
                raise HTTPException(404, f"no digest of {category} on {day.isoformat()} is stored")
            states = _states(profile, ids)
            token = csrf_token(key, session(request))
            back = f"/day/{category}/{day.isoformat()}?profile={quote(profile)}"
            actions = {vid: views.feedback_forms_html(vid, profile, token, states[vid], back) for vid in ids}
            body = views.day_page_html(store, settings, day, category, profile, actions)  # type: ignore[arg-type]
        nav = templates.get_template("base.html").render(title="", copy_note=copy_note()).split("<main>")[0]
        nav = nav[nav.index("<nav class=\"app\">"):]
        body = body.replace("</head>", "<link rel=\"stylesheet\" href=\"/static/style.css\"></head>", 1)
        return HTMLResponse(body.replace("<body>\n", "<body>\n" + nav, 1))

    def _states(profile: str, ids: list[str]) -> dict[str, PaperState]:
        path = reader_path(settings.data_dir)
        if not path.is_file():
            return {vid: PaperState() for vid in ids}
        with ReaderStore.open(path, read_only=True) as reader:
            return {vid: reader.paper_state(profile, vid.rsplit("v", 1)[0]) for vid in ids}

    def day_index(request: Request) -> Response:
        return RedirectResponse(f"/archive?category={quote(_category(request.path_params['category']))}", 303)

    def figure(request: Request) -> Response:
        name = request.path_params["name"]
        if not FIGURE_NAME.match(name):
            raise HTTPException(404, "no such figure")
        folder = settings.figure_dir.resolve()
        path = (folder / name).resolve()
        if path.parent != folder or not path.is_file():
            raise HTTPException(404, "no such figure")
        return FileResponse(path)

    def paper(request: Request) -> Response:
        paper_id = request.path_params["paper_id"]
        profile = profile_of(request)
        with copy.store() as store:
            found = views.find_paper(store, paper_id) if store is not None else None
            if found is None:
                raise HTTPException(404, f"no stored paper {paper_id[:40]!r}")
            info = views.paper_page(store, found, reader_state(profile, found.arxiv_id))  # type: ignore[arg-type]
        buttons = views.feedback_forms_html(found.versioned_id, profile, csrf_token(key, session(request)),
                                            info.state, f"/paper/{quote(found.versioned_id, safe='/')}")
        analysis = info.analysis.notice or info.analysis.content if info.analysis else ""
        return page("paper.html", request, title=views.plain(found.title), page=info, buttons=buttons,
                    analysis_html=_markdown_to_html(analysis or ""),
                    figure_name=Path(info.figure.path or "").name if info.figure else "",
                    abs_url=settings.arxiv_abs_url.rstrip("/"), pdf_url=settings.arxiv_pdf_url.rstrip("/"))

    def search(request: Request) -> Response:
        try:
            query = parse_search_query(request.query_params)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        with copy.store() as store:
            every = views.day_rows(store)
            with index_lock:
                if store is not None and indexed[0] != copy.state.copied_at:
                    index.refresh(store)  # incremental: unchanged entries are not written again
                    indexed[0] = copy.state.copied_at
            found = index.search(query) if query.text or request.query_params else None
        pages = views.page_links(request.url.path, dict(request.query_params), query.page, query.per_page,
                                 found.total if found else 0)
        return page("search.html", request, title="Search", query=query, found=found, pages=pages,
                    categories=views.categories(every), profiles=profiles, kinds=("new", "cross", "late"))

    def trends_page(request: Request) -> Response:
        with copy.store() as store:
            rows = views.day_rows(store)
            shown = views.categories(rows)
            category = _category(request.query_params.get("category") or (shown[0] if shown else "cs.CV"))
            chosen = request.query_params.get("profile") or None
            profile = profile_of(request, chosen) if chosen else None
            try:
                weeks = int(request.query_params.get("weeks", "12"))
            except ValueError:
                raise HTTPException(400, "weeks must be a whole number") from None
            if not 1 <= weeks <= 104:
                raise HTTPException(400, "weeks must be between 1 and 104")
            found = trends(store, category, profile, weeks) if store is not None else None
        charts = trend_charts(found) if found is not None and found.papers else None
        return page("trends.html", request, title="Trends", found=found, charts=charts, category=category,
                    categories=shown, profile=profile, profiles=profiles, weeks=weeks)

    def library(request: Request) -> Response:
        profile = profile_of(request)
        papers = _library_papers(profile)
        return page("library.html", request, title="Library", profile=profile, papers=papers)

    def _library_papers(profile: str) -> list[Any]:
        path = reader_path(settings.data_dir)
        if not path.is_file():
            return []
        with ReaderStore.open(path, read_only=True) as reader:
            entries = reader.library(profile)
        with copy.store() as store:
            return views.library_rows(store, entries)

    def library_bib(request: Request) -> Response:
        profile = profile_of(request)
        return PlainTextResponse(library_bibtex(_library_papers(profile)), media_type="application/x-bibtex",
                                 headers={"content-disposition": f"attachment; filename=\"library-{profile}.bib\""})

    def status(request: Request) -> Response:
        with copy.store() as store:
            rows = views.day_rows(store)
        return page("status.html", request, title="Status", rows=rows)

    async def feedback(request: Request) -> Response:
        form = await request.form()
        values = {name: str(form.get(name, "")) for name in ("paper", "action", "profile", "csrf", "back")}
        if not csrf_valid(key, session(request), values["csrf"]):
            raise HTTPException(403, "the form's token is missing or stale: reload the page and press again")
        profile = profile_of(request, values["profile"])
        await run_in_threadpool(record, profile, values["paper"], values["action"])
        return RedirectResponse(_safe_back(values["back"]), 303)

    def _signed(request: Request) -> tuple[SignedFeedback, str]:
        action, paper_id = request.path_params["action"], request.path_params["paper_id"]
        params = request.query_params
        try:
            expires = int(params.get("exp", ""))
        except ValueError:
            raise HTTPException(400, "this link has no valid expiry") from None
        link = SignedFeedback(action, paper_id, params.get("profile", ""), expires)
        problem = signature_problem(key, link, params.get("sig", ""), datetime.now(UTC))
        if problem:
            raise HTTPException(403, problem)
        return link, profile_of(request, link.profile)

    def signed_confirm(request: Request) -> Response:
        link, profile = _signed(request)
        with copy.store() as store:
            found = views.find_paper(store, link.paper) if store is not None else None
        if found is None:
            raise HTTPException(404, f"no stored paper {link.paper[:40]!r}")
        return page("confirm.html", request, title=views.plain(found.title),
                    label=views.ACTION_LABELS.get(link.action, "?"), profile=profile,
                    csrf=csrf_token(key, session(request)))

    async def signed_record(request: Request) -> Response:
        link, profile = _signed(request)
        form = await request.form()
        if not csrf_valid(key, session(request), str(form.get("csrf", ""))):
            raise HTTPException(403, "the form's token is missing or stale: open the link again")
        title = await run_in_threadpool(record, profile, link.paper, link.action)
        return page("done.html", request, title=views.plain(title), label=views.ACTION_LABELS[link.action],
                    profile=profile, paper=link.paper)

    def login_form(request: Request) -> Response:
        return page("login.html", request, title="Sign in")

    async def login(request: Request) -> Response:
        form = await request.form()
        if not token_valid(settings.web_token, str(form.get("token", ""))):
            raise HTTPException(401, "wrong token")
        response = RedirectResponse("/", 303)
        response.set_cookie(AUTH_COOKIE, settings.web_token, httponly=True, samesite="strict")
        return response

    async def error_page(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "the app failed on this page; see its log"
        return page("error.html", request, status=status, title=str(status), code=status, message=detail)

    class Sessions(BaseHTTPMiddleware):
        """A random session cookie (for CSRF tokens) and, beyond loopback, the token check."""

        async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            if settings.web_token and not request.url.path.startswith(OPEN_PATHS):
                given = request.cookies.get(AUTH_COOKIE, "") or request.headers.get("authorization", "")
                if not token_valid(settings.web_token, given.removeprefix("Bearer ")):
                    return RedirectResponse("/login", 303) if request.method == "GET" else \
                        PlainTextResponse("a token is required", 401)
            known = request.cookies.get(SESSION_COOKIE, "")
            request.state.session = known if re.fullmatch(r"[0-9a-f]{32}", known) else secrets.token_hex(16)
            response = await call_next(request)
            if request.state.session != known:
                response.set_cookie(SESSION_COOKIE, request.state.session, httponly=True, samesite="lax")
            response.headers.setdefault("x-content-type-options", "nosniff")
            response.headers.setdefault("referrer-policy", "same-origin")
            return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(copy.refresh)
        try:
            yield
        finally:
            copy.close()

    routes = [
        Route("/", home),
        Route("/archive", archive),
        Route("/day/{category}/index.html", day_index),
        Route("/day/{category}/figures/{name}", figure),
        Route("/day/{category}/{day}", day_page),
        Route("/figure/{name}", figure),
        Route("/paper/{paper_id:path}", paper),
        Route("/search", search),
        Route("/library", library),
        Route("/library.bib", library_bib),
        Route("/trends", trends_page),
        Route("/status", status),
        Route("/feedback", feedback, methods=["POST"]),
        Route("/f/{action}/{paper_id:path}", signed_confirm, methods=["GET"]),
        Route("/f/{action}/{paper_id:path}", signed_record, methods=["POST"]),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(resources.files("arxiv_digest.web") / "static")), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Sessions)], lifespan=lifespan,
                     exception_handlers={HTTPException: error_page, Exception: error_page})
