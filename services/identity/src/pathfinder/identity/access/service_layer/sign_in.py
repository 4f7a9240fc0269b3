"""People signing in. Identity issues a person the same kind of access token as a client (kind "person"),
whichever identity provider vouched for them.

:class:`IdentityProvider` is the seam. :class:`LocalAccounts` checks a password against the argon2 hash held
here. An OpenID Connect provider such as NHS CIS2 (configured by ``PATHFINDER_IDENTITY_OIDC_*``) is a second
implementation, not written yet: its sign-in starts with a redirect to the provider's authorisation endpoint and
comes back to a callback with an authorisation code (:class:`AuthorisationCodeCallback`), which it exchanges at
the provider, authenticating with private_key_jwt, for an ID token; it verifies that token against the provider's
JWKS (issuer, audience, nonce, assurance level) and maps the provider's subject to the person account linked to it
(``person_account.external_provider``/``external_subject``). The organisation and scopes always come from the
account held here, never from the provider.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pathfinder.auth import Principal
from pathfinder.identity.access.unit_of_work import AccessUnitOfWork
from pathfinder.identity.domain.person_accounts import LockoutPolicy, username_of

SIGN_IN_REFUSED = "The username or password is not right, or the account cannot sign in just now."


class SignInRefused(Exception):
    """Always the same words: a refusal never tells whether the account exists, is locked or the password was
    wrong."""

    def __init__(self) -> None:
        super().__init__(SIGN_IN_REFUSED)


@dataclass(frozen=True)
class PasswordSignIn:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class AuthorisationCodeCallback:
    """What an OpenID Connect provider sends back to the redirect URL."""

    code: str = field(repr=False)
    state: str


SignInEvidence = PasswordSignIn | AuthorisationCodeCallback


class IdentityProvider(Protocol):
    name: str

    async def authenticate(self, evidence: SignInEvidence) -> Principal:
        """The person, as a principal of kind "person"; raises :class:`SignInRefused` otherwise."""
        ...


class Passwords:
    """argon2id hashing (RFC 9106 parameters of argon2-cffi); verification runs off the event loop."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._decoy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def matches(self, password_hash: str, password: str) -> bool:
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    async def waste_time(self, password: str) -> None:
        """As long as checking a real password, so that a missing account does not answer faster."""
        if self._decoy is None:
            self._decoy = await self.hash(secrets.token_urlsafe(16))
        await self.matches(self._decoy, password)


class LocalAccounts:
    name = "local"

    def __init__(
        self,
        unit_of_work: Callable[[], AccessUnitOfWork],
        passwords: Passwords,
        lockout: LockoutPolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self._unit_of_work = unit_of_work
        self._passwords = passwords
        self._lockout = lockout
        self._clock = clock

    async def authenticate(self, evidence: SignInEvidence) -> Principal:
        if not isinstance(evidence, PasswordSignIn):
            raise SignInRefused()
        async with self._unit_of_work() as uow:
            account = await uow.accounts.by_username(username_of(evidence.username))
            now = self._clock()
            if account is None or account.password_hash is None or not account.may_try(now):
                await self._passwords.waste_time(evidence.password)
                raise SignInRefused()
            if not await self._passwords.matches(account.password_hash, evidence.password):
                account.record_failure(now, self._lockout)
                await uow.accounts.save_attempt(account)
                await uow.commit()
                raise SignInRefused()
            account.record_success(now)
            if self._passwords.needs_rehash(account.password_hash):
                account.password_hash = await self._passwords.hash(evidence.password)
            await uow.accounts.save_attempt(account)
            await uow.commit()
            return account.principal()
