"""The event-history API as the ``pathfinder`` command calls it: an identity client token, the reason on every
call, and problem+json answers turned into one clear message."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pathfinder.auth.client_credentials import ClientCredentialsTokens, TokenUnavailable

REASON_HEADER = "Pathfinder-Reason"
DEFAULT_URL = "http://127.0.0.1:8005"
DEFAULT_IDENTITY_URL = "http://127.0.0.1:8004"


class Refused(Exception):
    """The service (or identity) said no; the message says why, in the service's words."""


@dataclass(frozen=True)
class Credentials:
    """Either a bearer token as it is, or an identity client (its id and private key file) to ask one for."""

    token: str | None = None
    client_id: str | None = None
    key_file: Path | None = None
    identity_url: str = DEFAULT_IDENTITY_URL

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Credentials:
        key_file = environ.get("PATHFINDER_KEY_FILE")
        return cls(
            token=environ.get("PATHFINDER_TOKEN") or None,
            client_id=environ.get("PATHFINDER_CLIENT_ID") or None,
            key_file=Path(key_file) if key_file else None,
            identity_url=environ.get("PATHFINDER_IDENTITY_URL", DEFAULT_IDENTITY_URL),
        )


class EventHistoryClient:
    """``transport``: where requests go instead of the network (an in-process app, for an embedding caller)."""

    def __init__(
        self, base_url: str, credentials: Credentials, reason: str, *, timeout: float = 120.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:  # fmt: skip
        if not reason.strip():
            raise Refused("Say why: every action is audited with its reason (--reason or PATHFINDER_REASON).")
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._credentials = credentials
        self._reason = reason.strip()
        self._tokens: ClientCredentialsTokens | None = None

    async def __aenter__(self) -> EventHistoryClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._http.aclose()

    async def get(self, path: str, **params: Any) -> Any:
        return await self._call("GET", path, params={k: v for k, v in params.items() if v not in (None, (), [])})

    async def post(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        return await self._call("POST", path, json=dict(body or {}))

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {REASON_HEADER: self._reason, "Authorization": f"Bearer {await self._token()}"}
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise Refused(f"The event-history service at {self._http.base_url} is unreachable ({error!r}).") from None
        if response.status_code >= 400:
            raise Refused(problem_message(response))
        return response.json() if response.content else None

    async def _token(self) -> str:
        credentials = self._credentials
        if credentials.token:
            return credentials.token
        if credentials.client_id is None or credentials.key_file is None:
            raise Refused(
                "No credentials: set PATHFINDER_TOKEN, or PATHFINDER_CLIENT_ID and PATHFINDER_KEY_FILE for an "
                "identity client holding events:engineer (or events:replay for an LA)."
            )
        if self._tokens is None:
            token_url = f"{credentials.identity_url.rstrip('/')}/oauth2/token"
            self._tokens = ClientCredentialsTokens.from_key_file(
                token_url, credentials.client_id, credentials.key_file, self._http
            )
        try:
            return await self._tokens.access_token()
        except TokenUnavailable as error:
            raise Refused(f"Identity gave no token: {error}.") from None


def problem_message(response: httpx.Response) -> str:
    """``title: detail`` of an RFC 9457 answer, else the status and the start of the body."""
    try:
        problem = response.json()
    except ValueError:
        return f"{response.status_code}: {response.text[:300]}"
    if not isinstance(problem, dict):
        return f"{response.status_code}: {str(problem)[:300]}"
    title, detail = problem.get("title"), problem.get("detail")
    return f"{response.status_code} {title or ''}: {detail or ''}".strip(": ")
