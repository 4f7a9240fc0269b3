"""The OAuth 2.0 client credentials grant with a signed JWT client assertion (RFC 6749 §4.4, RFC 7523).

Answers follow OAuth, not problem+json: clients are OAuth libraries that read ``error`` and
``error_description`` (RFC 6749 §5.2).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from pathfinder.auth import Principal
from pathfinder.auth.audiences import UnknownAudience, scopes_for
from pathfinder.identity.access.domain.client_assertions import ASSERTION_TYPE, AssertionRefused, AssertionRules
from pathfinder.identity.access.domain.clients import ScopeNotGranted
from pathfinder.identity.access.service_layer.ports import (
    AssertionReader,
    ClientAllowance,
    IssuedToken,
    TokenIssuer,
    UnusableKey,
)
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork

CLIENT_CREDENTIALS = "client_credentials"
CLIENT_NOT_AUTHENTICATED = "The client could not be authenticated."

log = logging.getLogger(__name__)


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
    resource: str | None = None
    """RFC 8707: the one API the token is for."""


class ClientNotAuthenticated(OAuthError):
    """Every way a client fails to authenticate gets the same answer, so that the token endpoint tells no one
    which client ids exist, which are revoked or which key ids a client has; ``reason`` is for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__("invalid_client", CLIENT_NOT_AUTHENTICATED, 401)
        self.reason = reason


def _invalid_client(reason: str, client_id: str | None = None) -> ClientNotAuthenticated:
    # The client id is named only once it is a registered client's: an unknown one is whatever a caller sent.
    log.info("client authentication refused: %s", reason, extra={"client_id": client_id})
    return ClientNotAuthenticated(reason)


def _for_resource(principal: Principal, resource: str) -> Principal:
    """The principal with only the scopes of ``resource``, so that its token names that API alone."""
    try:
        scopes = principal.scopes & scopes_for(resource)
    except UnknownAudience as unknown:
        raise OAuthError("invalid_target", str(unknown)) from None
    if not scopes:
        raise OAuthError("invalid_target", f"The client holds no scope of {resource}.")
    return replace(principal, scopes=scopes)


async def grant_client_credentials(
    request: TokenRequest,
    *,
    uow: AccessUnitOfWork,
    rules: AssertionRules,
    assertions: AssertionReader,
    tokens: TokenIssuer,
    allowance: ClientAllowance,
    now: datetime,
) -> IssuedToken:
    """A token for the client whose signed assertion this is. Only then does the request spend the client's
    ``allowance``: an assertion that merely names a client, unsigned or signed by someone else, never does."""
    if not request.grant_type:
        raise OAuthError("invalid_request", "Missing 'grant_type'.")
    if request.grant_type != CLIENT_CREDENTIALS:
        raise OAuthError("unsupported_grant_type", f"Only '{CLIENT_CREDENTIALS}' is supported.")
    if request.client_assertion_type != ASSERTION_TYPE:
        raise OAuthError("invalid_request", f"'client_assertion_type' must be '{ASSERTION_TYPE}'.")
    if not request.client_assertion:
        raise OAuthError("invalid_request", "Missing 'client_assertion'.")
    try:
        header, unverified = assertions.read_unverified(request.client_assertion)
        kid = rules.key_id(header)
        client_id = rules.client_id(unverified)
    except AssertionRefused as refused:
        raise _invalid_client(refused.description) from None
    async with uow:
        client = await uow.clients.get(client_id)
        if client is None:
            raise _invalid_client("The client is not registered.")
        if not client.active:
            raise _invalid_client("The client is revoked.", client_id)
        key = client.active_key(kid)
        if key is None:
            raise _invalid_client("Invalid 'kid' header in JWT: no active public key of the client matches.", client_id)
        try:
            accepted = rules.accept(assertions.verified_claims(request.client_assertion, key.public_jwk), now)
        except UnusableKey:
            raise _invalid_client("The registered key cannot be used: register a new one.", client_id) from None
        except AssertionRefused as refused:
            raise _invalid_client(refused.description, client_id) from None
        try:
            principal = client.principal(request.scope)
        except ScopeNotGranted as not_granted:
            raise OAuthError("invalid_scope", str(not_granted)) from None
        if request.resource is not None:
            principal = _for_resource(principal, request.resource)
        if not await uow.assertions.spend(accepted.client_id, accepted.jti, accepted.remember_until):
            raise _invalid_client("Invalid 'jti' claim in JWT: it has been used before.", client_id)
        await uow.assertions.forget_expired(now)
        await uow.commit()
    # Outside the transaction, so that no request holds two connections; a refused assertion stays spent (a client
    # signs a new one for every request).
    await allowance(client_id)
    return await tokens.issue(principal, now=now)
