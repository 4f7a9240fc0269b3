"""Access tokens: JWTs that identity signs and every service verifies against identity's JWKS.

One algorithm, RS512, for access tokens as for the client assertions of the NHS API Platform pattern: a single
key type and algorithm across the platform, nothing to negotiate, and the verifier accepts exactly that one
algorithm (never what a token's header asks for). The header carries ``typ: at+jwt`` (RFC 9068) so that no
other JWT signed by the same key could pass as an access token.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pathfinder.auth.audiences import token_audiences
from pathfinder.auth.keys import (
    SIGNATURE_ALGORITHM,
    JwksSource,
    RemoteJwks,
    SigningKey,
    StaticJwks,
)
from pathfinder.auth.principal import PLATFORM_ORGANISATION, OrganisationRole, Principal
from pathfinder.auth.settings import AuthSettings

AT_JWT_TYPE = "at+jwt"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "jti", "iat", "exp", "org", "role", "kind", "scope")
_MAX_TOKEN_LENGTH = 8192
_LA_CODE = re.compile(r"^\d{3}$")


class InvalidAccessToken(Exception):
    """The token cannot be trusted. ``description`` is safe to tell the caller."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    token_id: str
    expires_at: datetime
    expires_in: int
    scope: str


class AccessTokenIssuer:
    """Signs access tokens with identity's current signing key."""

    def __init__(
        self, signing_key: SigningKey, *, issuer: str, audience: str | None = None, lifetime_seconds: int = 600
    ) -> None:
        """``audience``: one ``aud`` for every token; None (in production) names the services of its scopes."""
        self.signing_key = signing_key
        self.issuer = issuer
        self.audience = audience
        self.lifetime_seconds = lifetime_seconds

    @classmethod
    def from_settings(cls, signing_key: SigningKey, settings: AuthSettings) -> AccessTokenIssuer:
        return cls(
            signing_key,
            issuer=settings.issuer,
            audience=settings.audience,
            lifetime_seconds=settings.token_lifetime_seconds,
        )

    def issue(self, principal: Principal, *, now: datetime | None = None) -> IssuedAccessToken:
        issued_at = (now or datetime.now(UTC)).replace(microsecond=0)
        expires_at = issued_at + timedelta(seconds=self.lifetime_seconds)
        token_id = str(uuid.uuid4())
        claims = {
            "iss": self.issuer,
            "aud": self.audience or _audience_claim(token_audiences(principal.scopes)),
            "sub": principal.subject,
            "jti": token_id,
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
            "org": principal.organisation,
            "role": principal.role.value,
            "kind": principal.kind,
            "scope": principal.scope_text,
        }
        token = jwt.encode(
            claims,
            self.signing_key.private_key,
            algorithm=SIGNATURE_ALGORITHM,
            headers={"kid": self.signing_key.kid, "typ": AT_JWT_TYPE},
        )
        return IssuedAccessToken(token, token_id, expires_at, self.lifetime_seconds, principal.scope_text)


class AccessTokenVerifier:
    """Checks signature, ``iss``, ``aud``, ``exp``, ``nbf``, ``iat`` and the required claims; returns who is
    calling. The only I/O is through the :class:`JwksSource`, which caches.

    A token may live (``exp - iat``) at most ``max_lifetime_seconds``, identity's token lifetime and the clock
    skew: a token the signing key made with a longer life (a leaked or misused key, a misconfigured issuer) is
    refused rather than trusted until its far-off ``exp``."""

    def __init__(
        self,
        keys: JwksSource,
        *,
        issuer: str,
        audience: str,
        clock_skew_seconds: int = 30,
        max_lifetime_seconds: int = 600 + 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self._skew = clock_skew_seconds
        self._max_lifetime = max_lifetime_seconds
        self._clock = clock

    @classmethod
    def from_settings(
        cls, settings: AuthSettings, *, audience: str, keys: JwksSource | None = None
    ) -> AccessTokenVerifier:
        """``audience``: the service's own (:func:`pathfinder.auth.audiences.audience_of`); the setting, where
        given, wins."""
        if keys is None:
            keys = (
                StaticJwks(settings.jwks_json)
                if settings.jwks_json
                else RemoteJwks(
                    settings.effective_jwks_url,
                    cache_seconds=settings.jwks_cache_seconds,
                    min_refresh_seconds=settings.jwks_min_refresh_seconds,
                    timeout_seconds=settings.jwks_fetch_timeout_seconds,
                )
            )
        return cls(
            keys,
            issuer=settings.issuer,
            audience=settings.audience or audience,
            clock_skew_seconds=settings.clock_skew_seconds,
            max_lifetime_seconds=settings.token_lifetime_seconds + settings.clock_skew_seconds,
        )

    async def verify(self, token: str) -> Principal:
        if len(token) > _MAX_TOKEN_LENGTH:
            raise InvalidAccessToken("The access token is too long.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise InvalidAccessToken("The access token is not a well-formed JWT.") from None
        if header.get("alg") != SIGNATURE_ALGORITHM:
            raise InvalidAccessToken(f"Access tokens are signed with {SIGNATURE_ALGORITHM}.")
        if str(header.get("typ", "")).lower() not in (AT_JWT_TYPE, f"application/{AT_JWT_TYPE}"):
            raise InvalidAccessToken("The token is not an access token.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidAccessToken("The access token names no key.")
        key = await self.keys.public_key(kid)
        if key is None:
            raise InvalidAccessToken("The access token is signed with an unknown key.")
        claims = self._decode(token, key)
        self._check_times(claims)
        return _principal(claims)

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[SIGNATURE_ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,  # checked below against this verifier's clock
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise InvalidAccessToken("The access token's signature does not verify.") from None
        except jwt.InvalidAudienceError:
            raise InvalidAccessToken("The access token is not meant for this audience.") from None
        except jwt.InvalidIssuerError:
            raise InvalidAccessToken("The access token comes from an issuer not trusted here.") from None
        except jwt.MissingRequiredClaimError as missing:
            raise InvalidAccessToken(f"The access token lacks the '{missing.claim}' claim.") from None
        except jwt.InvalidTokenError:
            raise InvalidAccessToken("The access token is not valid.") from None

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self._clock()
        exp, iat, nbf = claims["exp"], claims["iat"], claims.get("nbf", claims["iat"])
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (exp, iat, nbf)):
            raise InvalidAccessToken("The access token's times must be whole seconds.")
        if exp <= now - self._skew:
            raise InvalidAccessToken("The access token has expired.")
        if nbf > now + self._skew or iat > now + self._skew:
            raise InvalidAccessToken("The access token is not valid yet.")
        if exp - iat > self._max_lifetime:
            raise InvalidAccessToken("The access token lives longer than identity issues tokens for.")


def _audience_claim(audiences: tuple[str, ...]) -> str | list[str]:
    """One audience as a string, several as a list (RFC 7519 §4.1.3)."""
    return audiences[0] if len(audiences) == 1 else list(audiences)


def _principal(claims: dict[str, Any]) -> Principal:
    subject, organisation, kind, scope = claims["sub"], claims["org"], claims["kind"], claims["scope"]
    if not all(isinstance(value, str) for value in (subject, organisation, kind, scope)) or not subject:
        raise InvalidAccessToken("The access token's claims have the wrong types.")
    if kind not in ("client", "person"):
        raise InvalidAccessToken("The access token names an unknown kind of principal.")
    try:
        role = OrganisationRole(claims["role"])
    except ValueError:
        raise InvalidAccessToken("The access token names an unknown organisation role.") from None
    if role is OrganisationRole.LOCAL_AUTHORITY and not _LA_CODE.match(organisation):
        raise InvalidAccessToken("A local authority is named by its 3-digit DfE code.")
    if role is OrganisationRole.PLATFORM and organisation != PLATFORM_ORGANISATION:
        raise InvalidAccessToken("Only the platform organisation has the platform role.")
    if not organisation:
        raise InvalidAccessToken("The access token names no organisation.")
    return Principal(
        subject=subject,
        kind="client" if kind == "client" else "person",
        organisation=organisation,
        role=role,
        scopes=frozenset(scope.split()),
    )
