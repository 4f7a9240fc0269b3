"""Signing a person in to the dashboard: identity checks the password and issues the access token, which the
dashboard keeps in its own session cookie and verifies on every page as the API verifies a bearer token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    expires_in: int
    """Seconds the token (and so the session) lasts."""


class SignInRefused(Exception):
    """Identity said no: a wrong username or password, a locked account, or too many tries. ``reason`` is safe
    to show the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignInUnavailable(Exception):
    """Identity could not be asked, or answered something other than yes or no."""


class PersonSignIn(Protocol):
    async def sign_in(self, username: str, password: str, *, source: str | None) -> SignedIn:
        """``source``: the address the person signs in from, for identity's per-address limit."""
        ...
