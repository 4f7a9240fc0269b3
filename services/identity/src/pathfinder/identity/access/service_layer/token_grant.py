"""The OAuth 2.0 client credentials grant with a signed JWT client assertion (RFC 6749 §4.4, RFC 7523).

Answers follow OAuth, not problem+json: clients are OAuth libraries that read ``error`` and
``error_description`` (RFC 6749 §5.2).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from pathfinder.auth.keys import InvalidJwk, rsa_public_key_from_jwk
from pathfinder.auth.tokens import AccessTokenIssuer, IssuedAccessToken
from pathfinder.identity.access.assertions import read_unverified, verified_claims
from pathfinder.identity.access.unit_of_work import AccessUnitOfWork
from pathfinder.identity.domain.client_assertions import ASSERTION_TYPE, AssertionRefused, AssertionRules
from pathfinder.identity.domain.clients import ScopeNotGranted

CLIENT_CREDENTIALS = "client_credentials"


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    client_assertion_type: str | None
    client_assertion: str | None
    scope: str | None = None


def _invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, 401)


async def grant_client_credentials(
    request: TokenRequest,
    *,
    uow: AccessUnitOfWork,
    rules: AssertionRules,
    issuer: Callable[[], Awaitable[AccessTokenIssuer]],
    now: datetime,
) -> IssuedAccessToken:
    if not request.grant_type:
        raise OAuthError("invalid_request", "Missing 'grant_type'.")
    if request.grant_type != CLIENT_CREDENTIALS:
        raise OAuthError("unsupported_grant_type", f"Only '{CLIENT_CREDENTIALS}' is supported.")
    if request.client_assertion_type != ASSERTION_TYPE:
        raise OAuthError("invalid_request", f"'client_assertion_type' must be '{ASSERTION_TYPE}'.")
    if not request.client_assertion:
        raise OAuthError("invalid_request", "Missing 'client_assertion'.")
    try:
        header, unverified = read_unverified(request.client_assertion)
        kid = rules.key_id(header)
        client_id = rules.client_id(unverified)
    except AssertionRefused as refused:
        raise _invalid_client(refused.description) from None
    async with uow:
        client = await uow.clients.get(client_id)
        if client is None or not client.active:
            raise _invalid_client("The client is not registered, or is revoked.")
        key = client.active_key(kid)
        if key is None:
            raise _invalid_client("Invalid 'kid' header in JWT: no active public key of the client matches.")
        try:
            public_key = rsa_public_key_from_jwk(key.public_jwk)
            accepted = rules.accept(verified_claims(request.client_assertion, public_key), now)
        except InvalidJwk:
            raise _invalid_client("The registered key cannot be used: register a new one.") from None
        except AssertionRefused as refused:
            raise _invalid_client(refused.description) from None
        try:
            principal = client.principal(request.scope)
        except ScopeNotGranted as not_granted:
            raise OAuthError("invalid_scope", str(not_granted)) from None
        if not await uow.assertions.spend(accepted.client_id, accepted.jti, accepted.remember_until):
            raise _invalid_client("Invalid 'jti' claim in JWT: it has been used before.")
        await uow.assertions.forget_expired(now)
        await uow.commit()
    return (await issuer()).issue(principal, now=now)
