"""The web app's read-only pages: home, archive, a day, a figure, a paper, search, trends, library, status."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response

from arxiv_digest.bibtex import library_bibtex
from arxiv_digest.publish.html import _markdown_to_html
from arxiv_digest.search import Trends, TrendWindow, parse_search_query, trend_charts, trend_window, window_trends
from arxiv_digest.web import views
from arxiv_digest.web.context import (
    FIGURE_NAME,
    WebState,
    category_value,
    copy_note,
    day_value,
    library_papers,
    page,
    profile_of,
    reader_state,
    reader_states,
    session,
    web_state,
)
from arxiv_digest.web.signing import csrf_token
from arxiv_digest.web.trends_worker import DEFAULT_WEEKS

TRENDS_RELOAD_SECONDS = 5  # while weeks' themes are being computed, the trends page reloads itself this often


def home(request: Request) -> Response:
    with web_state(request).copy.store() as store:
        rows = views.day_rows(store)
    if not rows:
        return RedirectResponse("/archive", 303)
    return RedirectResponse(f"/day/{rows[0].category}/{rows[0].day.isoformat()}", 303)


def archive(request: Request) -> Response:
    category = request.query_params.get("category") or None
    with web_state(request).copy.store() as store:
        every = views.day_rows(store)
    rows = [r for r in every if category is None or r.category == category]
    return page("archive.html", request, title="Archive", rows=rows, categories=views.categories(every),
                category=category)


def day_page(request: Request) -> Response:
    web = web_state(request)
    category = category_value(request.path_params["category"])
    day = day_value(request.path_params["day"])
    profile = profile_of(request)
    with web.copy.store() as store:
        ids = views.day_paper_ids(store, day, category) if store is not None else []
        if not ids and (store is None or store.run(day, category) is None):
            raise HTTPException(404, f"no digest of {category} on {day.isoformat()} is stored")
        states = reader_states(web, profile, ids)
        token = csrf_token(web.key, session(request))
        back = f"/day/{category}/{day.isoformat()}?profile={quote(profile)}"
        actions = {vid: views.feedback_forms_html(vid, profile, token, states[vid], back) for vid in ids}
        body = views.day_page_html(store, web.settings, day, category, profile, actions)  # type: ignore[arg-type]
    return HTMLResponse(_with_app_nav(web, body))


def _with_app_nav(web: WebState, body: str) -> str:
    """The published day page with the app's stylesheet and navigation bar."""
    nav = web.templates.get_template("base.html").render(title="", copy_note=copy_note(web)).split("<main>")[0]
    nav = nav[nav.index("<nav class=\"app\">"):]
    body = body.replace("</head>", "<link rel=\"stylesheet\" href=\"/static/style.css\"></head>", 1)
    return body.replace("<body>\n", "<body>\n" + nav, 1)


def day_index(request: Request) -> Response:
    return RedirectResponse(f"/archive?category={quote(category_value(request.path_params['category']))}", 303)


def figure(request: Request) -> Response:
    name = request.path_params["name"]
    if not FIGURE_NAME.match(name):
        raise HTTPException(404, "no such figure")
    folder = web_state(request).settings.figure_dir.resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise HTTPException(404, "no such figure")
    return FileResponse(path)


def paper(request: Request) -> Response:
    web = web_state(request)
    paper_id = request.path_params["paper_id"]
    profile = profile_of(request)
    with web.copy.store() as store:
        found = views.find_paper(store, paper_id) if store is not None else None
        if found is None:
            raise HTTPException(404, f"no stored paper {paper_id[:40]!r}")
        info = views.paper_page(store, found, reader_state(web, profile, found.arxiv_id))  # type: ignore[arg-type]
    buttons = views.feedback_forms_html(found.versioned_id, profile, csrf_token(web.key, session(request)),
                                        info.state, f"/paper/{quote(found.versioned_id, safe='/')}")
    analysis = info.analysis.notice or info.analysis.content if info.analysis else ""
    return page("paper.html", request, title=views.plain(found.title), page=info, buttons=buttons,
                analysis_html=_markdown_to_html(analysis or ""),
                figure_name=Path(info.figure.path or "").name if info.figure else "",
                abs_url=web.settings.arxiv_abs_url.rstrip("/"), pdf_url=web.settings.arxiv_pdf_url.rstrip("/"))


def search(request: Request) -> Response:
    web = web_state(request)
    try:
        query = parse_search_query(request.query_params)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    with web.copy.store() as store:
        every = views.day_rows(store)
        with web.index_lock:
            if store is not None and web.indexed != web.copy.state.copied_at:
                web.index.refresh(store)  # incremental: unchanged entries are not written again
                web.indexed = web.copy.state.copied_at
        found = web.index.search(query) if query.text or request.query_params else None
    pages = views.page_links(request.url.path, dict(request.query_params), query.page, query.per_page,
                             found.total if found else 0)
    return page("search.html", request, title="Search", query=query, found=found, pages=pages,
                categories=views.categories(every), profiles=web.profiles, kinds=("new", "cross", "late"))


def trends_page(request: Request) -> Response:
    web = web_state(request)
    with web.copy.store() as store:
        rows = views.day_rows(store)
        shown = views.categories(rows)
        category = category_value(request.query_params.get("category") or (shown[0] if shown else "cs.CV"))
        chosen = request.query_params.get("profile") or None
        profile = profile_of(request, chosen) if chosen else None
        try:
            weeks = int(request.query_params.get("weeks", str(DEFAULT_WEEKS)))
        except ValueError:
            raise HTTPException(400, "weeks must be a whole number") from None
        if not 1 <= weeks <= 104:
            raise HTTPException(400, "weeks must be between 1 and 104")
        window = trend_window(store, category, profile, weeks) if store is not None else None
    found = trends_without_waiting(web, window) if window is not None else None
    charts = trend_charts(found) if found is not None and found.papers else None
    response = page("trends.html", request, title="Trends", found=found, charts=charts, category=category,
                    categories=shown, profile=profile, profiles=web.profiles, weeks=weeks,
                    reload_seconds=TRENDS_RELOAD_SECONDS if found is not None and found.pending else None)
    if window is not None and found is not None and found.pending:
        web.trends.submit(window, found.pending)  # after rendering: the worker does not compete with this page
    return response


def trends_without_waiting(web: WebState, window: TrendWindow) -> Trends:
    """The window's trends from the remembered weeks' themes; a few missing weeks are computed here, more are
    left in `pending` for the background worker (the page reloads until they are done)."""
    found = window_trends(window, theme_cache=web.themes, compute=False)
    if found.pending and sum(len(window.by_week[w]) for w in found.pending) <= web.trends.inline_papers:
        return window_trends(window, theme_cache=web.themes)
    return found


def library(request: Request) -> Response:
    profile = profile_of(request)
    papers = library_papers(web_state(request), profile)
    return page("library.html", request, title="Library", profile=profile, papers=papers)


def library_bib(request: Request) -> Response:
    profile = profile_of(request)
    return PlainTextResponse(library_bibtex(library_papers(web_state(request), profile)),
                             media_type="application/x-bibtex",
                             headers={"content-disposition": f"attachment; filename=\"library-{profile}.bib\""})


def status(request: Request) -> Response:
    with web_state(request).copy.store() as store:
        rows = views.day_rows(store)
    return page("status.html", request, title="Status", rows=rows)
