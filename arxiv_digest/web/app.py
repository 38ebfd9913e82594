"""The web app's routes: parse the request, read the reading copy or write the reader's file, render a page.

What a page shows is computed in `views.py`; the routes are in `pages.py` (reading) and `feedback.py` (writing),
their shared state and helpers in `context.py`; this module assembles the app. Every error is a page with its status
(400 for a bad value, 404 for an unknown id), never a traceback.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from arxiv_digest.settings import Settings
from arxiv_digest.web import feedback, pages
from arxiv_digest.web.context import AUTH_COOKIE, OPEN_PATHS, SESSION_COOKIE, WebState, page, web_state
from arxiv_digest.web.signing import token_valid

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def host_problem(host: str, token: str) -> str:
    """Why the app must not start on this host ('' when it may): beyond loopback a token is required."""
    if host in LOOPBACK_HOSTS or token:
        return ""
    return (f"refusing to serve on {host} without a token: set ARXIV_DIGEST_WEB_TOKEN (anyone who can reach "
            "this host could read and change your feedback), or use --host 127.0.0.1")


async def error_page(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "the app failed on this page; see its log"
    return page("error.html", request, status=status, title=str(status), code=status, message=detail)


class Sessions(BaseHTTPMiddleware):
    """A random session cookie (for CSRF tokens) and, beyond loopback, the token check."""

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        web_token = web_state(request).settings.web_token
        if web_token and not request.url.path.startswith(OPEN_PATHS):
            given = request.cookies.get(AUTH_COOKIE, "") or request.headers.get("authorization", "")
            if not token_valid(web_token, given.removeprefix("Bearer ")):
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
    copy = app.state.web.copy
    await run_in_threadpool(copy.refresh)
    try:
        yield
    finally:
        app.state.web.trends.stop()  # before the copy closes under its store reads
        copy.close()


ROUTES = [
    Route("/", pages.home),
    Route("/archive", pages.archive),
    Route("/day/{category}/index.html", pages.day_index),
    Route("/day/{category}/figures/{name}", pages.figure),
    Route("/day/{category}/{day}", pages.day_page),
    Route("/figure/{name}", pages.figure),
    Route("/paper/{paper_id:path}", pages.paper),
    Route("/search", pages.search),
    Route("/library", pages.library),
    Route("/library.bib", pages.library_bib),
    Route("/trends", pages.trends_page),
    Route("/status", pages.status),
    Route("/feedback", feedback.feedback, methods=["POST"]),
    Route("/f/{action}/{paper_id:path}", feedback.signed_confirm, methods=["GET"]),
    Route("/f/{action}/{paper_id:path}", feedback.signed_record, methods=["POST"]),
    Route("/login", feedback.login_form, methods=["GET"]),
    Route("/login", feedback.login, methods=["POST"]),
    Mount("/static", StaticFiles(directory=str(resources.files("arxiv_digest.web") / "static")), name="static"),
]


def create_app(settings: Settings) -> Starlette:
    """The app over `settings.data_dir`: reads a reading copy of the store, writes the reader's file."""
    app = Starlette(routes=ROUTES, middleware=[Middleware(Sessions)], lifespan=lifespan,
                    exception_handlers={HTTPException: error_page, Exception: error_page})
    app.state.web = WebState.build(settings)
    return app
