"""Signing in to the dashboard and staying signed in.

The sign-in form posts to this service, which asks identity (``POST /people/sign-in``) and keeps the access token
identity answers in the dashboard's own session cookie: HttpOnly, SameSite=Strict, host-only, Secure over https.
Every page verifies that token with the service's access-token verifier, as the API verifies a bearer token
(audience health-advice, ``advice:read``); when it expires the person signs in again."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pathfinder.auth import Principal, Scope
from pathfinder.auth.keys import JwksUnavailable
from pathfinder.auth.tokens import InvalidAccessToken
from pathfinder.health_advice.entrypoints.dashboard_http import (
    PREFIX,
    SECURITY_HEADERS,
    Dashboard,
    DashboardHttp,
    from_this_site,
    problem_page,
    read_form,
    render,
)
from pathfinder.health_advice.service_layer.dashboard import Viewer, viewer_for
from pathfinder.health_advice.service_layer.dashboard_sign_in import SignInRefused, SignInUnavailable
from pathfinder.web.access import access_token_verifier

COOKIE = "pathfinder-dashboard"
SECURE_COOKIE = f"__Host-{COOKIE}"
"""Over https: the ``__Host-`` prefix makes browsers refuse it unless Secure, host-only and for every path."""
SIGN_IN = f"{PREFIX}/sign-in"


@dataclass(frozen=True)
class Session:
    principal: Principal
    viewer: Viewer

    @property
    def may_act(self) -> bool:
        return self.principal.has_scope(Scope.ADVICE_SUBMIT)


def _secure(request: Request, dashboard: DashboardHttp) -> bool:
    return dashboard.secure_cookie or request.url.scheme == "https"


def _cookie_name(request: Request, dashboard: DashboardHttp) -> str:
    return SECURE_COOKIE if _secure(request, dashboard) else COOKIE


def _to_sign_in(request: Request, dashboard: DashboardHttp, *, ended: bool = False) -> Response:
    query = {"next": _local(request.url.path + (f"?{request.url.query}" if request.url.query else ""))}
    if ended:
        query["ended"] = "1"
    response = RedirectResponse(f"{SIGN_IN}?{urlencode(query)}", status_code=303, headers=SECURITY_HEADERS)
    if ended:
        _forget(response, request, dashboard)
    return response


def _forget(response: Response, request: Request, dashboard: DashboardHttp) -> None:
    secure = _secure(request, dashboard)
    response.delete_cookie(_cookie_name(request, dashboard), path="/", secure=secure, httponly=True, samesite="strict")


def _local(target: str | None) -> str:
    """Where to go after signing in: a dashboard page of this site, never anywhere else."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX) or "\\" in parts.path:
        return PREFIX
    if parts.path.startswith(SIGN_IN):
        return PREFIX
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def signed_in(request: Request, dashboard: DashboardHttp) -> Session | Response:
    """The person whose session this is, and what they may see; otherwise the page to answer with instead (the
    sign-in form, or why they may not see the dashboard)."""
    token = request.cookies.get(_cookie_name(request, dashboard))
    if not token:
        return _to_sign_in(request, dashboard)
    try:
        principal = await access_token_verifier(request).verify(token)
    except InvalidAccessToken:
        return _to_sign_in(request, dashboard, ended=True)
    except JwksUnavailable:
        return problem_page(503, "Try again shortly", "Your sign-in cannot be checked just now.")
    if not principal.has_scope(Scope.ADVICE_READ):
        return problem_page(
            403,
            "Your account cannot see advice requests",
            "This dashboard is for the health bodies asked for advice: your account does not hold advice:read. "
            "Ask your organisation's administrator.",
            principal=principal,
        )
    return Session(principal, await viewer_for(principal, uow=dashboard.unit_of_work()))


router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/sign-in")
async def sign_in_form(request: Request, next: str | None = None, ended: str | None = None) -> Response:
    notice = "Your session has ended: sign in again." if ended else None
    if request.query_params.get("signed_out"):
        notice = "You have signed out."
    return render("sign_in.html", next=_local(next), notice=notice, error=None, username="")


@router.post("/sign-in")
async def sign_in(request: Request, dashboard: Dashboard) -> Response:
    if not from_this_site(request):
        return problem_page(403, "Sign in from the dashboard's own page", "This form came from another site.")
    form = await read_form(request)
    if form is None:
        return problem_page(400, "The form could not be read", "Go back to the sign-in page and try again.")
    username, password, target = form.get("username", "").strip(), form.get("password", ""), _local(form.get("next"))
    if not username or not password:
        return render(
            "sign_in.html", status=400, next=target, notice=None, username=username,
            error="Enter your username and your password.",
        )  # fmt: skip
    client = request.client
    try:
        signed = await dashboard.people.sign_in(username, password, source=client.host if client else None)
    except SignInRefused as refused:
        return render("sign_in.html", status=401, next=target, notice=None, username=username, error=refused.reason)
    except SignInUnavailable:
        return problem_page(503, "Sign-in is unavailable", "Identity cannot be reached just now: try again shortly.")
    response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(
        _cookie_name(request, dashboard), signed.access_token, max_age=signed.expires_in, path="/",
        secure=_secure(request, dashboard), httponly=True, samesite="strict",
    )  # fmt: skip
    return response


@router.post("/sign-out")
async def sign_out(request: Request, dashboard: Dashboard) -> Response:
    if not from_this_site(request):
        return problem_page(403, "Sign out from the dashboard's own page", "This form came from another site.")
    response = RedirectResponse(f"{SIGN_IN}?signed_out=1", status_code=303, headers=SECURITY_HEADERS)
    _forget(response, request, dashboard)
    return response
