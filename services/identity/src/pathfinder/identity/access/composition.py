"""Wiring the access side together, once, for the API process, the CLI and the tests."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from fastapi import FastAPI
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenIssuer, AccessTokenVerifier
from pathfinder.identity.access.settings import AccessSettings
from pathfinder.identity.access.sign_in import LocalAccounts, Passwords
from pathfinder.identity.access.signing_keys import SigningKeyRing
from pathfinder.identity.access.unit_of_work import AccessUnitOfWork
from pathfinder.identity.adapters.access_signing_keys import KeyEncryption
from pathfinder.identity.domain.client_assertions import AssertionRules
from pathfinder.identity.domain.person_accounts import LockoutPolicy
from pathfinder.web.access import install_access_control
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def key_encryption(settings: AccessSettings) -> KeyEncryption:
    if settings.key_encryption_key is not None:
        return KeyEncryption.from_text(settings.key_encryption_key.get_secret_value())
    log.warning(
        "PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY is not set: using a throwaway key-encryption key, so signing keys "
        "made now cannot be opened after a restart. Outside a developer's machine, set it to the output of "
        "`pathfinder-identity signing-key new-kek`."
    )
    return KeyEncryption.generate()


@dataclass
class Access:
    sessions: async_sessionmaker[AsyncSession]
    source: str
    settings: AccessSettings
    auth: AuthSettings
    clock: Callable[[], datetime] = utc_now
    passwords: Passwords = field(default_factory=Passwords)
    assertion_rules: AssertionRules = field(init=False)
    people: LocalAccounts = field(init=False)

    def __post_init__(self) -> None:
        self.assertion_rules = AssertionRules(
            token_url=self.token_url, leeway=timedelta(seconds=self.settings.assertion_leeway_seconds)
        )
        lockout = LockoutPolicy(
            threshold=self.settings.sign_in_lockout_threshold,
            first_lock=timedelta(seconds=self.settings.sign_in_first_lockout_seconds),
            longest_lock=timedelta(seconds=self.settings.sign_in_longest_lockout_seconds),
        )
        self.people = LocalAccounts(self.unit_of_work, self.passwords, lockout, self.now)

    @cached_property
    def key_ring(self) -> SigningKeyRing:
        # Made when first needed, so that onboarding commands never ask for the key-encryption key.
        return SigningKeyRing(
            self.unit_of_work,
            key_encryption(self.settings),
            bits=self.settings.signing_key_bits,
            publish_ahead=timedelta(seconds=self.settings.signing_key_publish_ahead_seconds),
            retire_after=timedelta(seconds=self.auth.token_lifetime_seconds + self.auth.clock_skew_seconds),
            refresh_seconds=self.settings.signing_key_refresh_seconds,
            clock=self.now,
        )

    @cached_property
    def verifier(self) -> AccessTokenVerifier:
        return AccessTokenVerifier.from_settings(self.auth, keys=self.key_ring)

    def now(self) -> datetime:
        return self.clock()

    @property
    def token_url(self) -> str:
        return self.settings.token_url or f"{self.auth.issuer.rstrip('/')}/oauth2/token"

    def unit_of_work(self) -> AccessUnitOfWork:
        return AccessUnitOfWork(self.sessions, source=self.source)

    async def token_issuer(self) -> AccessTokenIssuer:
        return AccessTokenIssuer.from_settings(await self.key_ring.current(), self.auth)


def install_access(app: FastAPI, access: Access) -> None:
    """What the access routes depend on, and token verification for every route of the service."""
    app.state.access = access
    install_access_control(app, access.verifier)
