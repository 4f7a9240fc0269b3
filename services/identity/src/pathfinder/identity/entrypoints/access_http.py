"""Identity's HTTP API for access: the OAuth token endpoint, the JWKS, people signing in, and reading the
organisation registry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pathfinder.auth import Principal, Scope
from pathfinder.identity.access.domain.person_accounts import username_of
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.access.service_layer.ports import IssuedToken
from pathfinder.identity.access.service_layer.sign_in import SIGN_IN_REFUSED, PasswordSignIn, SignInRefused
from pathfinder.identity.access.service_layer.sign_in import sign_in as sign_person_in
from pathfinder.identity.access.service_layer.token_grant import OAuthError, TokenRequest, grant_client_credentials
from pathfinder.identity.entrypoints.dependencies import AccessDependencies, access_dependencies
from pathfinder.web.access import SESSION_COOKIE, require_scopes
from pathfinder.web.problems import Problem, problem_responses
from pydantic import BaseModel, Field

_MAX_FORM_BYTES = 16_384
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"


Access = Annotated[AccessDependencies, Depends(access_dependencies)]
Anyone = Annotated[Principal, Depends(require_scopes())]
Manager = Annotated[Principal, Depends(require_scopes(Scope.ORGANISATIONS_MANAGE))]

oauth_router = APIRouter(tags=["access tokens"])
people_router = APIRouter(prefix="/people", tags=["people"])
organisations_router = APIRouter(tags=["organisations"])


class AccessTokenView(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    scope: str


def _token_body(issued: IssuedToken) -> dict[str, Any]:
    return AccessTokenView(access_token=issued.token, expires_in=issued.expires_in, scope=issued.scope).model_dump()


async def _form(request: Request) -> dict[str, str]:
    """One value per name (RFC 6749 §3.2: a parameter is sent at most once)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != _FORM:
        raise OAuthError("invalid_request", f"Send the request as {_FORM}.")
    body = await request.body()
    if len(body) > _MAX_FORM_BYTES:
        raise OAuthError("invalid_request", "The request is too large.")
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "The form cannot be read.") from None
    if any(len(values) > 1 for values in fields.values()):
        raise OAuthError("invalid_request", "A parameter is repeated.")
    return {name: values[0] for name, values in fields.items()}


_TOKEN_FORM_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            _FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "client_assertion_type", "client_assertion"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_assertion_type": {
                            "type": "string",
                            "enum": ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
                        },
                        "client_assertion": {"type": "string", "description": "JWT signed RS512 with the client's key"},
                        "scope": {"type": "string", "description": "Space-separated; at most the scopes granted"},
                        "resource": {
                            "type": "string",
                            "description": "RFC 8707: the one API the token is for (urn:pathfinder:notifications, "
                            "urn:pathfinder:identity, urn:pathfinder:ehcp, urn:pathfinder:health-advice); the token "
                            "then holds only that API's scopes and no other API accepts it. Without it, the token "
                            "names every API its scopes are for.",
                        },
                    },
                }
            }
        },
    }
}


@oauth_router.post(
    "/oauth2/token",
    summary="An access token for an API client (client credentials, signed JWT assertion)",
    response_model=AccessTokenView,
    openapi_extra=_TOKEN_FORM_DOC,
    responses=problem_responses(429),
)
async def token(request: Request, access: Access) -> JSONResponse:
    """OAuth 2.0 client credentials with a signed JWT client assertion (private_key_jwt, RS512, ``kid`` header,
    single-use ``jti``, ``aud`` = this URL, ``exp`` at most 5 minutes ahead), as NHS England's API platform does.
    Answers a 10-minute RS512 access token with the scopes the client holds, for the APIs those scopes are for
    (``aud``; one API with ``resource``); errors as RFC 6749 JSON."""
    # OAuth clients read RFC 6749 §5.2 errors ({"error", "error_description"}), so this endpoint answers in
    # OAuth's own format rather than problem+json (but for 429, which OAuth does not define).
    limits = access.limits
    try:
        form = await _form(request)
        issued = await grant_client_credentials(
            TokenRequest(
                grant_type=form.get("grant_type"),
                client_assertion_type=form.get("client_assertion_type"),
                client_assertion=form.get("client_assertion"),
                scope=form.get("scope"),
                resource=form.get("resource"),
            ),
            uow=access.unit_of_work(),
            rules=access.assertion_rules,
            assertions=access.assertions,
            tokens=access.tokens,
            allowance=limits.token.admit,
            now=access.clock(),
        )
    except OAuthError as error:
        # A failure counts against where it came from, never against the client it names: garbage claiming a
        # client's id spends nothing of that client's. Counted after the attempt, so that no one's garbage, from
        # any address, stops a client that can sign; over the limit the answer says no more than 429.
        await limits.token_failures.admit(limits.proxies.source_of(request))
        body = {"error": error.error, "error_description": error.description}
        return JSONResponse(body, status_code=error.status, headers=_NO_STORE)
    return JSONResponse(_token_body(issued), headers=_NO_STORE)


@oauth_router.get("/.well-known/jwks.json", summary="Identity's public signing keys (current and previous)")
async def jwks(access: Access) -> JSONResponse:
    """Identity's public signing keys as a JWKS: every service verifies access tokens against it, offline. A key is
    published before it signs and kept after it is retired, so rotation never refuses a valid token."""
    return JSONResponse(await access.published_keys.jwks(), headers={"Cache-Control": "public, max-age=60"})


class SignIn(BaseModel):
    # A control character is in no one's username, and a NUL cannot even be looked up in PostgreSQL.
    username: str = Field(pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")
    password: str


async def _sign_in_form(request: Request) -> SignIn:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "application/json":
            body = await request.body()
            if len(body) > _MAX_FORM_BYTES:
                raise ValueError("too large")
            return SignIn.model_validate_json(body)
        if kind == _FORM:
            return SignIn.model_validate(await _form(request))
    except (ValueError, OAuthError):
        raise Problem(400, "Bad Request", "Send a username (no control characters) and a password.") from None
    raise Problem(415, "Unsupported Media Type", f"Send JSON or {_FORM}.")


@people_router.post(
    "/sign-in",
    summary="Sign a person in: an access token, and the same token in a session cookie for browser pages",
    response_model=AccessTokenView,
    responses=problem_responses(400, 401, 415, 429),
)
async def sign_in(request: Request, access: Access) -> JSONResponse:
    """A person signs in with a local account (argon2id, locked after repeated failures): the answer is an access
    token, also set as an HttpOnly, Secure, SameSite=Strict session cookie for browser pages."""
    form = await _sign_in_form(request)
    # Guessing passwords costs a guesser tokens from both buckets, before any password is checked.
    await access.limits.sign_in_source.admit(access.limits.proxies.source_of(request))
    await access.limits.sign_in_account.admit(username_of(form.username))
    try:
        issued = await sign_person_in(
            PasswordSignIn(form.username, form.password),
            uow=access.unit_of_work(),
            passwords=access.passwords,
            lockout=access.lockout,
            tokens=access.tokens,
            now=access.clock(),
        )
    except SignInRefused:
        raise Problem(401, "Sign-in failed", SIGN_IN_REFUSED) from None
    response = JSONResponse(_token_body(issued), headers=_NO_STORE)
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=issued.expires_in, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response


@people_router.post("/sign-out", status_code=204, summary="Forget the session cookie in this browser")
async def sign_out() -> Response:
    """Clears the session cookie in this browser; access tokens already issued expire on their own."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


class PrincipalView(BaseModel):
    subject: str
    kind: str
    organisation: str
    role: str
    scopes: list[str]


@organisations_router.get("/me", response_model=PrincipalView, summary="Who the access token says you are")
async def me(principal: Anyone) -> PrincipalView:
    """The principal the access token names: organisation, role, kind (client or person) and scopes."""
    return PrincipalView(
        subject=principal.subject,
        kind=principal.kind,
        organisation=principal.organisation,
        role=principal.role.value,
        scopes=sorted(principal.scopes),
    )


class OrganisationView(BaseModel):
    code: str
    name: str
    role: str
    active: bool


@organisations_router.get("/organisations", response_model=list[OrganisationView], summary="The registry")
async def organisations(_principal: Anyone, access: Access) -> list[OrganisationView]:
    """Every organisation in the registry: LAs by DfE code, ICBs and trusts by ODS code, and the platform."""
    found = await onboarding.organisations(uow=access.unit_of_work())
    return [OrganisationView(code=org.code, name=org.name, role=org.role.value, active=org.active) for org in found]


@organisations_router.get("/organisations/{code}", response_model=OrganisationView, summary="One organisation")
async def organisation(code: str, _principal: Anyone, access: Access) -> OrganisationView:
    """One organisation of the registry, by its DfE LA code or ODS code."""
    org = await onboarding.organisation(code, uow=access.unit_of_work())
    if org is None:
        raise Problem(404, "Not Found", "No organisation is registered under that code.")
    return OrganisationView(code=org.code, name=org.name, role=org.role.value, active=org.active)


class ClientKeyView(BaseModel):
    kid: str
    added_at: datetime
    revoked_at: datetime | None


class ClientView(BaseModel):
    client_id: str
    name: str
    scopes: list[str]
    active: bool
    keys: list[ClientKeyView]


@organisations_router.get(
    "/organisations/{code}/clients", response_model=list[ClientView], summary="An organisation's API clients"
)
async def clients(code: str, _manager: Manager, access: Access) -> list[ClientView]:
    """An organisation's API clients and their key ids (``organisations:manage``): never a private key."""
    return [
        ClientView(
            client_id=client.client_id,
            name=client.name,
            scopes=sorted(scope.value for scope in client.scopes),
            active=client.active,
            keys=[ClientKeyView(kid=k.kid, added_at=k.added_at, revoked_at=k.revoked_at) for k in client.keys.values()],
        )
        for client in await onboarding.clients_of(code, uow=access.unit_of_work())
    ]
