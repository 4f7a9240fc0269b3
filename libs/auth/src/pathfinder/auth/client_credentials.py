"""Access tokens for a system client, obtained the NHS API Platform way: OAuth2 client credentials with a signed
JWT assertion (``private_key_jwt``: RS512, ``kid`` header, iss = sub = the client id, aud = the token URL, a
single-use ``jti``, ``exp`` five minutes ahead), exchanged at identity's token endpoint.

    tokens = ClientCredentialsTokens(token_url, client_id, SigningKey.from_pem(pem), http)
    headers = {"Authorization": f"Bearer {await tokens.access_token()}"}

The token is kept until shortly before it expires, so a busy client asks for a new one every few minutes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
from pathfinder.auth.keys import SIGNATURE_ALGORITHM, SigningKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 300
# Renew this long before expiry, so that a token is never presented in its last seconds.
REFRESH_MARGIN_SECONDS = 60.0


def make_client_assertion(
    key: SigningKey,
    *,
    client_id: str,
    token_url: str,
    now: datetime | None = None,
    lifetime: timedelta = timedelta(seconds=ASSERTION_LIFETIME_SECONDS),
) -> str:
    """A signed private_key_jwt client assertion for ``token_url``, single use (a fresh ``jti``)."""
    issued_at = now or datetime.now(UTC)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "jti": str(uuid.uuid4()),
        "iat": int(issued_at.timestamp()),
        "exp": int((issued_at + lifetime).timestamp()),
    }
    return jwt.encode(claims, key.private_key, algorithm=SIGNATURE_ALGORITHM, headers={"kid": key.kid, "typ": "JWT"})


class TokenUnavailable(Exception):
    """No access token could be had: the token endpoint is unreachable or refused the client."""


class ClientCredentialsTokens:
    def __init__(
        self,
        token_url: str,
        client_id: str,
        key: SigningKey,
        http: httpx.AsyncClient,
        *,
        scope: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._key = key
        self._http = http
        self._scope = scope
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def from_key_file(
        cls, token_url: str, client_id: str, key_file: Path, http: httpx.AsyncClient, *, scope: str | None = None
    ) -> ClientCredentialsTokens:
        return cls(token_url, client_id, SigningKey.from_pem(key_file.read_bytes()), http, scope=scope)

    def assertion(self) -> str:
        now = datetime.fromtimestamp(self._clock(), UTC)
        return make_client_assertion(self._key, client_id=self.client_id, token_url=self.token_url, now=now)

    async def access_token(self) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN_SECONDS:
                self._token, lifetime = await self._exchange()
                self._expires_at = self._clock() + lifetime
            return self._token

    def forget(self) -> None:
        """Drop the cached token (e.g. after a 401): the next call asks for a new one."""
        self._token = None

    async def _exchange(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }
        if self._scope:
            form["scope"] = self._scope
        try:
            response = await self._http.post(self.token_url, data=form)
        except httpx.HTTPError as error:
            raise TokenUnavailable(f"token endpoint unreachable: {type(error).__name__}") from None
        if response.status_code != 200:
            error_code = _oauth_error(response)
            raise TokenUnavailable(f"token endpoint answered {response.status_code} {error_code}")
        body = response.json()
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(lifetime, int | float) or lifetime <= 0:
            raise TokenUnavailable("token endpoint answered without an access token and its lifetime")
        return token, float(lifetime)


def _oauth_error(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except ValueError:
        return "(no OAuth error)"
    return error if isinstance(error, str) else "(no OAuth error)"
