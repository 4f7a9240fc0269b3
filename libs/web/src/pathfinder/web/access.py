"""FastAPI side of authorisation: who is calling (401) and may they (403), as problem+json.

A service calls :func:`install_access_control` once when it builds its app, then guards routes with
``principal: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_READ))]``.

The token comes from ``Authorization: Bearer``; browser pages that have no header use the session cookie
identity sets at sign-in (HttpOnly, Secure, SameSite=Strict, host-only: other sites never send it, which is the
defence against cross-site request forgery). A request that has an Authorization header is judged by that
header alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pathfinder.auth import Principal, Scope
from pathfinder.auth.keys import JwksUnavailable
from pathfinder.auth.tokens import AccessTokenVerifier, InvalidAccessToken
from pathfinder.web.health import Readiness
from pathfinder.web.problems import Problem, problem_response
from starlette.exceptions import HTTPException

SESSION_COOKIE = "__Host-pathfinder-session"
REALM = "pathfinder"

# Only for the OpenAPI description; the header is read below so that a wrong scheme is a 401, not a fallback.
_bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="accessToken",
    description="An access token from identity's POST /oauth2/token (client credentials with a signed JWT assertion)",
)
bearer_token_documented = Depends(_bearer_scheme)
"""For routes that check the token themselves (the FHIR routes, which answer with an OperationOutcome): declares
the bearer scheme in the OpenAPI document without checking anything."""


class NotAuthenticated(Problem):
    def __init__(self, description: str) -> None:
        super().__init__(401, "Unauthorized", description)
        self.description = description


class InsufficientScope(Problem):
    def __init__(self, missing: Collection[str]) -> None:
        super().__init__(403, "Forbidden", "The access token lacks a scope this request needs.")
        self.missing = sorted(missing)


class TokenRefused(HTTPException):
    """Raised while the body is asked for; FastAPI passes an ``HTTPException`` through its body parsing untouched,
    and the handler :func:`install_access_control` adds answers with ``refusal``
    (:mod:`pathfinder.web.token_first`)."""

    def __init__(self, refusal: Problem) -> None:
        super().__init__(refusal.status, refusal.detail)
        self.refusal = refusal


def _quoted(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")


async def _not_authenticated(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotAuthenticated)
    return not_authenticated_response(exc)


async def _token_refused_before_body(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TokenRefused)
    refusal = exc.refusal
    if isinstance(refusal, NotAuthenticated):
        return not_authenticated_response(refusal)
    return problem_response(refusal.status, refusal.title, refusal.detail)


def not_authenticated_response(exc: NotAuthenticated) -> JSONResponse:
    response = problem_response(401, exc.title, exc.description, error="invalid_token")
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="{REALM}", error="invalid_token", error_description="{_quoted(exc.description)}"'
    )
    return response


async def _insufficient_scope(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InsufficientScope)
    response = problem_response(403, exc.title, exc.detail, error="insufficient_scope", required_scopes=exc.missing)
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="{REALM}", error="insufficient_scope", scope="{" ".join(exc.missing)}"'
    )
    return response


def install_access_control(app: FastAPI, verifier: AccessTokenVerifier) -> None:
    """Give the app its verifier and the handlers that add ``WWW-Authenticate`` to 401 and 403 answers; the app
    is not ready until the verifier can check tokens (a service answering 503 to every request is not ready)."""
    app.state.access_tokens = verifier
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(TokenRefused, _token_refused_before_body)
    app.add_exception_handler(InsufficientScope, _insufficient_scope)
    readiness: Readiness | None = getattr(app.state, "readiness", None)
    if readiness is not None:
        readiness.add("access_tokens", verifier.keys.ready)


def access_token_verifier(request: Request) -> AccessTokenVerifier:
    """The verifier :func:`install_access_control` gave the app."""
    verifier: AccessTokenVerifier | None = getattr(request.app.state, "access_tokens", None)
    if verifier is None:
        raise RuntimeError("the app has no access-token verifier: call install_access_control() when building it")
    return verifier


def presented_token(request: Request) -> str | None:
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("Use 'Authorization: Bearer <access token>'.")
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def authenticated(request: Request) -> Principal:
    """Who presented the request's access token (401 unless a valid one is presented), verified once per
    request: a rate limit and the route's scope check share the answer."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    verifier = access_token_verifier(request)
    token = presented_token(request)
    if token is None:
        raise NotAuthenticated("An access token is required.")
    try:
        principal = await verifier.verify(token)
    except InvalidAccessToken as invalid:
        raise NotAuthenticated(invalid.description) from None
    except JwksUnavailable:
        raise Problem(503, "Service Unavailable", "Access tokens cannot be checked just now.") from None
    request.state.principal = principal
    return principal


token_dependencies: set[Callable[..., Awaitable[Principal]]] = set()
"""Every dependency :func:`require_scopes` made: a route that has one needs a token before its body is read."""


def require_scopes(*scopes: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency that answers 401 unless a valid access token is presented and 403 unless it holds every one
    of ``scopes`` (none: any authenticated caller)."""
    required = frozenset(scope.value for scope in scopes)

    async def authorised_principal(
        request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, bearer_token_documented]
    ) -> Principal:
        principal = await authenticated(request)
        missing = required - principal.scopes
        if missing:
            raise InsufficientScope(missing)
        return principal

    token_dependencies.add(authorised_principal)
    return authorised_principal
