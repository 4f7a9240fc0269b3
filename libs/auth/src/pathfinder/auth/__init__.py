"""Authorisation every service shares: access tokens, scopes and organisation boundaries.

Authorisation is this one piece of code: identity issues access tokens with :class:`AccessTokenIssuer`; every
service verifies them with :class:`AccessTokenVerifier` (through :func:`require_scopes`) and keeps each LA to its
own children with :func:`ensure_la_may_see`.
"""

from pathfinder.auth.dependencies import SESSION_COOKIE, install_access_control, require_scopes
from pathfinder.auth.keys import (
    SIGNATURE_ALGORITHM,
    JwksSource,
    JwksUnavailable,
    RemoteJwks,
    SigningKey,
    StaticJwks,
)
from pathfinder.auth.policy import AccessDenied, ensure_la_may_see
from pathfinder.auth.principal import PLATFORM_ORGANISATION, OrganisationRole, Principal, Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenIssuer, AccessTokenVerifier, InvalidAccessToken, IssuedAccessToken

__all__ = [
    "PLATFORM_ORGANISATION",
    "SESSION_COOKIE",
    "SIGNATURE_ALGORITHM",
    "AccessDenied",
    "AccessTokenIssuer",
    "AccessTokenVerifier",
    "AuthSettings",
    "InvalidAccessToken",
    "IssuedAccessToken",
    "JwksSource",
    "JwksUnavailable",
    "OrganisationRole",
    "Principal",
    "RemoteJwks",
    "Scope",
    "SigningKey",
    "StaticJwks",
    "ensure_la_may_see",
    "install_access_control",
    "require_scopes",
]
