"""The web app's writing routes: a feedback button, a signed link from a digest (confirm, then record), sign-in."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from arxiv_digest.web import views
from arxiv_digest.web.context import AUTH_COOKIE, page, profile_of, record, safe_back, session, web_state
from arxiv_digest.web.signing import SignedFeedback, csrf_token, csrf_valid, signature_problem, token_valid


async def feedback(request: Request) -> Response:
    web = web_state(request)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("paper", "action", "profile", "csrf", "back")}
    if not csrf_valid(web.key, session(request), values["csrf"]):
        raise HTTPException(403, "the form's token is missing or stale: reload the page and press again")
    profile = profile_of(request, values["profile"])
    await run_in_threadpool(record, web, profile, values["paper"], values["action"])
    return RedirectResponse(safe_back(values["back"]), 303)


def _signed(request: Request) -> tuple[SignedFeedback, str]:
    action, paper_id = request.path_params["action"], request.path_params["paper_id"]
    params = request.query_params
    try:
        expires = int(params.get("exp", ""))
    except ValueError:
        raise HTTPException(400, "this link has no valid expiry") from None
    link = SignedFeedback(action, paper_id, params.get("profile", ""), expires)
    problem = signature_problem(web_state(request).key, link, params.get("sig", ""), datetime.now(UTC))
    if problem:
        raise HTTPException(403, problem)
    return link, profile_of(request, link.profile)


def signed_confirm(request: Request) -> Response:
    web = web_state(request)
    link, profile = _signed(request)
    with web.copy.store() as store:
        found = views.find_paper(store, link.paper) if store is not None else None
    if found is None:
        raise HTTPException(404, f"no stored paper {link.paper[:40]!r}")
    return page("confirm.html", request, title=views.plain(found.title),
                label=views.ACTION_LABELS.get(link.action, "?"), profile=profile,
                csrf=csrf_token(web.key, session(request)))


async def signed_record(request: Request) -> Response:
    web = web_state(request)
    link, profile = _signed(request)
    form = await request.form()
    if not csrf_valid(web.key, session(request), str(form.get("csrf", ""))):
        raise HTTPException(403, "the form's token is missing or stale: open the link again")
    title = await run_in_threadpool(record, web, profile, link.paper, link.action)
    return page("done.html", request, title=views.plain(title), label=views.ACTION_LABELS[link.action],
                profile=profile, paper=link.paper)


def login_form(request: Request) -> Response:
    return page("login.html", request, title="Sign in")


async def login(request: Request) -> Response:
    token = web_state(request).settings.web_token
    form = await request.form()
    if not token_valid(token, str(form.get("token", ""))):
        raise HTTPException(401, "wrong token")
    response = RedirectResponse("/", 303)
    response.set_cookie(AUTH_COOKIE, token, httponly=True, samesite="strict")
    return response
