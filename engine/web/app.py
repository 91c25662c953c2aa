"""The review web app (``cxmatch serve``): server-rendered pages and a JSON API over the
campaign's latest run and its decision log. No CDN, no outside request: it works offline.

Security: every request needs a token (``cxmatch access``), as the sign-in cookie (HttpOnly,
SameSite=Strict, Secure over HTTPS) or ``Authorization: Bearer TOKEN``; without one, 401. A
partnership answers only its own sides (403 otherwise, nothing recorded). Forms carry a CSRF
token (an HMAC of the sign-in token; cookie-authenticated API calls send it as
``X-CSRF-Token``). Every page is sent with a Content-Security-Policy that allows only the app's
own stylesheet and script, no framing, and forms posting to the app itself; templates escape
every value (profile texts are untrusted). Every answer is recorded through the same
validation as ``cxmatch decide`` (:func:`engine.review.rules.check_requests`), and the audit
trail (``access.sqlite``) records who did what.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from engine.review.alternatives import take_alternative
from engine.review.inbox import record_answers
from engine.review.limits import exchange_limits
from engine.review.log import ImportResult
from engine.review.log_file import LogDamaged
from engine.review.proposed import campaign_runs, proposed_pairs
from engine.review.rules import FORBIDDEN, RECORDED
from engine.review.rules import Request as Answer
from engine.web import views
from engine.web.access import Grant, audit, audit_all, grant_of, same
from engine.web.bodies import (
    MOST_ANSWERS,
    ONE_TOO_LARGE,
    TOO_LARGE,
    TooLarge,
    WrongTypes,
    answers_of,
    form_fields,
    json_body,
)

COOKIE = "cxmatch_review"
SIGNIN_COOKIE = "cxmatch_signin"  # the sign-in form's own value (no login CSRF)
CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
ANSWERS = ("accepted", "rejected", "hold", "cancelled", "withdrawn")


def create_app(folder: Path) -> FastAPI:
    folder = Path(folder).resolve()
    cache = views.CampaignCache(folder)
    pages = Environment(
        loader=PackageLoader("engine.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    app = FastAPI(title="cxmatch review", docs_url=None, redoc_url=None, openapi_url=None)
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(LogDamaged)
    async def log_refused(_request: Request, error: LogDamaged) -> Response:
        """A damaged decision log is said, never read as empty (README "When the decision
        log is refused")."""
        return PlainTextResponse(str(error), status_code=503)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, error: TooLarge) -> Response:
        """A request past what it may carry: 413 saying the limits, read no further, nothing
        recorded; audited as a refusal."""
        audit(folder, grant(request)[0], "refused: too large", request.url.path)
        return JSONResponse({"detail": error.detail}, 413)

    def page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(**values), status_code=status)

    def grant(request: Request) -> tuple[Grant | None, bool]:
        """The caller's grant, and whether it came as a bearer token (no CSRF needed)."""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return grant_of(folder, header[7:].strip()), True
        return grant_of(folder, request.cookies.get(COOKIE)), False

    def unauthorised(request: Request) -> Response:
        audit(folder, None, "refused: no valid token", request.url.path)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "a valid token is needed"}, status_code=401)
        return signin_form(request, 401, "Sign in with the link you were given.")

    # ----------------------------------------------------------------------------- sign in

    def signin_form(request: Request, status: int = 200, message: str = "") -> HTMLResponse:
        """The sign-in page, its form bound to this browser: a fresh value in the form and in
        a strict cookie, which a form posted from another site cannot carry (no login CSRF: a
        sign-in without it is refused when it comes from another site's page)."""
        nonce = secrets.token_urlsafe(32)
        response = page("signin.html", status, message=message, nonce=nonce)
        secure = request.url.scheme == "https"
        response.set_cookie(SIGNIN_COOKIE, nonce, httponly=True, samesite="strict", secure=secure)
        return response

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request) -> HTMLResponse:
        return signin_form(request)

    @app.post("/signin")
    async def signin(request: Request) -> Response:
        form = await form_fields(request)
        nonce = str(form.get("signin", ""))
        from_its_page = bool(nonce) and same(nonce, request.cookies.get(SIGNIN_COOKIE))
        if not from_its_page and _cross_site(request):
            audit(folder, None, "sign-in refused", "a form not from this site's sign-in page")
            message = "Open your sign-in link again (this form did not come from its page)."
            return signin_form(request, 403, message)
        token = str(form.get("token", ""))
        found = grant_of(folder, token)
        if found is None:
            audit(folder, None, "sign-in refused", "unknown or revoked token")
            return signin_form(request, 401, "This sign-in link is not valid (any more).")
        audit(folder, found, "signed in", found.label)
        response = RedirectResponse("/", status_code=303)
        secure = request.url.scheme == "https"
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure)
        response.delete_cookie(SIGNIN_COOKIE)
        return response

    @app.post("/signout")
    async def signout(request: Request) -> Response:
        found, _ = grant(request)
        form = await form_fields(request)
        if found is None:
            return unauthorised(request)
        if not same(found.csrf, str(form.get("csrf", ""))):  # signed in, another site's form
            audit(folder, found, "refused: bad form token", "/signout")
            return JSONResponse({"detail": "the form token is missing or wrong"}, 403)
        audit(folder, found, "signed out", "")
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    # ----------------------------------------------------------------------------- pages

    def review(
        found: Grant, messages: list[str], status: int = 200, pair: tuple[str, str] = ("", "")
    ) -> HTMLResponse:
        """The page; what an answer or a Take of ``pair`` said is shown on the pair's element
        (its forms post to ``#`` its id, so the page opens there), or at the top."""
        night = views.tonight(cache)
        if night is None:
            return page("review.html", status, grant=found, night=None, messages=messages)
        proposals = views.proposal_rows(folder, night, found.reviewer)
        alternatives = views.alternatives(night, found.reviewer)
        shown = {row["anchor"] for row in [*proposals, *alternatives]}
        return page(
            "review.html",
            status,
            grant=found,
            night=night.run.run_id,
            said_at=views.anchor(*pair) if views.anchor(*pair) in shown else "",
            proposals=proposals,
            alternatives=alternatives,
            kpis=views.kpis(night, found.reviewer),
            left_out=views.left_out(night, found.reviewer),
            left_out_listed=(night.run.path / "unmatched.csv").is_file(),
            messages=messages,
        )

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> Response:
        found, _ = grant(request)
        if found is None:
            return unauthorised(request)
        return review(found, [])

    @app.post("/answer")
    async def answer(request: Request) -> Response:
        found, bearer = grant(request)
        if found is None:
            return unauthorised(request)
        form = await form_fields(request)
        if not bearer and not same(found.csrf, str(form.get("csrf", ""))):
            audit(folder, found, "refused: bad form token", "/answer")
            return JSONResponse({"detail": "the form token is missing or wrong"}, 403)
        one = Answer(
            visitor_id=str(form.get("visitor_id", "")), host_id=str(form.get("host_id", "")),
            decision=str(form.get("decision", "")), side=str(form.get("side", "")),
            note=str(form.get("note", "")), decided_by=str(form.get("decided_by", "")),
        )  # fmt: skip
        if stale := _stale(str(form.get("run_id", "")), one.decision):
            audit(folder, found, "refused: a page of an earlier night", "/answer")
            return review(found, [stale], 409, (one.visitor_id, one.host_id))
        result = _record(found, [one], "web")
        status = 403 if any(o.status == FORBIDDEN for o in result.outcomes) else 200
        return review(found, _said(result), status, (one.visitor_id, one.host_id))

    @app.post("/take")
    async def take(request: Request) -> Response:
        found, bearer = grant(request)
        if found is None:
            return unauthorised(request)
        form = await form_fields(request)
        if not bearer and not same(found.csrf, str(form.get("csrf", ""))):
            audit(folder, found, "refused: bad form token", "/take")
            return JSONResponse({"detail": "the form token is missing or wrong"}, 403)
        pair = (str(form.get("visitor_id", "")), str(form.get("host_id", "")))
        if stale := _stale(str(form.get("run_id", "")), "accepted"):
            audit(folder, found, "refused: a page of an earlier night", "/take")
            return review(found, [stale], 409, pair)
        outcome = _take(found, *pair, str(form.get("note", "")), "web")
        return review(found, [outcome["message"]], outcome["status"], pair)

    # ----------------------------------------------------------------------------- JSON API

    @app.get("/api/proposals")
    def api_proposals(request: Request) -> Response:
        found, _ = grant(request)
        if found is None:
            return unauthorised(request)
        night = views.tonight(cache)
        if night is None:
            return JSONResponse({"run_id": None, "proposals": []})
        rows = views.proposal_rows(folder, night, found.reviewer)
        return JSONResponse(
            {"run_id": night.run.run_id, "proposals": [views.api_row(r) for r in rows]}
        )

    @app.post("/api/decisions")
    async def api_decisions(request: Request) -> Response:
        found, bearer = grant(request)
        if found is None:
            return unauthorised(request)
        if not bearer and not same(found.csrf, request.headers.get("x-csrf-token")):
            audit(folder, found, "refused: bad form token", request.url.path)
            return JSONResponse({"detail": "X-CSRF-Token is missing or wrong"}, 403)
        try:
            body = await json_body(request)
            if not isinstance(body, list):  # an object, even empty, is no list of answers
                raise TypeError("not a list")
            if len(body) > MOST_ANSWERS:
                raise TooLarge(TOO_LARGE)
            answers = answers_of(body)
        except WrongTypes as wrong:
            return JSONResponse({"detail": wrong.problems}, 422)  # every answer's, at once
        except (ValueError, TypeError, AttributeError):
            return JSONResponse(
                {"detail": "send a JSON list of {visitor_id, host_id, decision, side?, note?}"}, 422
            )
        result = _record(found, answers, "api")
        rows = [
            {
                "index": o.request.row,
                "visitor_id": o.request.visitor_id,
                "host_id": o.request.host_id,
                "status": o.status,
                "sides": [e["side"] for e in o.events],
                "problems": [p.message for p in o.problems],
            }  # fmt: skip
            for o in result.outcomes
        ]
        statuses = {o.status for o in result.outcomes}
        code = (
            403
            if statuses == {FORBIDDEN}
            else 422
            if RECORDED not in statuses and result.problems
            else 200
        )
        return JSONResponse({"recorded": result.recorded, "results": rows}, status_code=code)

    @app.post("/api/alternatives")
    async def api_alternatives(request: Request) -> Response:
        found, bearer = grant(request)
        if found is None:
            return unauthorised(request)
        if not bearer and not same(found.csrf, request.headers.get("x-csrf-token")):
            audit(folder, found, "refused: bad form token", request.url.path)
            return JSONResponse({"detail": "X-CSRF-Token is missing or wrong"}, 403)
        try:
            item = await json_body(request, ONE_TOO_LARGE)
            if not isinstance(item, dict):
                raise TypeError("the body is not an object")
            if not all(isinstance(item.get(k), str) and item[k] for k in ("visitor_id", "host_id")):
                raise TypeError("visitor_id and host_id are texts")
        except (ValueError, TypeError):
            return JSONResponse({"detail": "send a JSON object {visitor_id, host_id, note?}"}, 422)
        outcome = _take(found, str(item.get("visitor_id", "")), str(item.get("host_id", "")),
                        str(item.get("note", "")), "api")  # fmt: skip
        return JSONResponse(outcome, status_code=outcome.pop("status"))

    # ----------------------------------------------------------------------------- recording

    def _stale(shown: str, decision: str) -> str:
        """Why a form's answer is refused: its page shows an earlier night than the latest
        (the browser audit: an Accept from a page loaded before a night was recorded on dates
        the reviewer never saw, or on a pair the fresh page no longer shows); "" when it is
        not. A cancellation or a withdrawal names what it takes back, whichever the night."""
        night = views.tonight(cache)
        if not shown or night is None or shown == night.run.run_id:
            return ""
        if decision in ("cancelled", "withdrawn"):
            return ""
        return (
            f"this page shows the night {shown}, and the night {night.run.run_id} has run since: "
            "its proposals and dates may differ; nothing was recorded, answer on this page"
        )

    def _record(found: Grant, answers: list[Answer], source: str) -> ImportResult:
        result = record_answers(folder, cache.campaign(), answers, found.reviewer, source=source)
        entries = []
        for outcome in result.outcomes:
            a = outcome.request
            detail = f"{a.visitor_id} -> {a.host_id} {a.side or 'own side(s)'} {a.decision}"
            entries.append((f"answer {outcome.status}", detail))
        audit_all(folder, found, entries)
        return result

    def _take(
        found: Grant, visitor_id: str, host_id: str, note: str, source: str
    ) -> dict[str, Any]:
        night = views.tonight(cache)
        if night is None:
            return {"ok": False, "message": "the campaign has no run yet", "status": 409}
        campaign = cache.campaign()
        proposals = proposed_pairs(campaign_runs(folder), campaign)
        taken = take_alternative(
            folder, campaign, night.run, proposals, exchange_limits(campaign),
            (visitor_id, host_id), found.reviewer, note=note, source=source,
        )  # fmt: skip
        verdict = "taken" if taken.ok else "refused"
        audit(folder, found, f"alternative {verdict}", f"{visitor_id} -> {host_id}")
        if taken.ok:
            message = (
                f"{visitor_id} -> {host_id} taken as an alternative and accepted for your side"
            )
        else:
            message = f"{visitor_id} -> {host_id} cannot be taken: " + "; ".join(taken.problems)
        status = 200 if taken.ok else {"unknown": 404, "forbidden": 403}.get(taken.kind, 409)
        return {"ok": taken.ok, "message": message, "proposal": taken.row, "status": status}

    return app


def _cross_site(request: Request) -> bool:
    """A browser posting from another site's page (its Sec-Fetch-Site, or an Origin that is
    not this host): a program without them (a script signing in) is not."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.headers.get("host", "")


def _said(result: ImportResult) -> list[str]:
    messages = []
    for outcome in result.outcomes:
        a = outcome.request
        if outcome.status == RECORDED:
            sides = " and ".join(e["side"] for e in outcome.events)
            messages.append(
                f"{a.visitor_id} -> {a.host_id}: {a.decision} recorded for the {sides} side"
            )
        elif outcome.problems:
            messages += [f"{a.visitor_id} -> {a.host_id}: {p.message}" for p in outcome.problems]
        else:
            messages.append(f"{a.visitor_id} -> {a.host_id}: {a.decision} was recorded already")
    return messages
