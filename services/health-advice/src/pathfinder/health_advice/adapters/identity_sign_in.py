"""The dashboard's sign-in through identity's ``POST /people/sign-in``, server to server: the password goes to
identity alone and only the access token comes back (identity's own cookie is dropped here, never passed on)."""

from __future__ import annotations

import httpx
from pathfinder.health_advice.service_layer.dashboard_sign_in import SignedIn, SignInRefused, SignInUnavailable

REFUSED = "The username or password is not right, or the account cannot sign in just now."
TOO_MANY = "Too many sign-in attempts: wait a minute and try again."


class IdentitySignIn:
    def __init__(
        self, identity_url: str, *, timeout_seconds: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._url = f"{identity_url.rstrip('/')}/people/sign-in"
        self._timeout = timeout_seconds
        self._transport = transport

    async def sign_in(self, username: str, password: str, *, source: str | None) -> SignedIn:
        # Identity counts sign-ins per address; it believes this header only from proxies it is told to trust.
        headers = {"X-Forwarded-For": source} if source else {}
        try:
            async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
                answer = await http.post(self._url, json={"username": username, "password": password}, headers=headers)
        except httpx.HTTPError as failed:
            raise SignInUnavailable(f"identity did not answer: {type(failed).__name__}") from None
        if answer.status_code in (400, 401):
            raise SignInRefused(REFUSED)
        if answer.status_code == 429:
            raise SignInRefused(TOO_MANY)
        if answer.status_code != 200:
            raise SignInUnavailable(f"identity answered {answer.status_code}")
        try:
            body = answer.json()
            return SignedIn(str(body["access_token"]), int(body["expires_in"]))
        except (ValueError, KeyError, TypeError):
            raise SignInUnavailable("identity's answer could not be read") from None
