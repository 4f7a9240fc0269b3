"""Accounts of people who sign in (DCOs, LA officers, integration engineers), and the backoff that makes
guessing their passwords slow: after ``threshold`` failures in a row the account is locked for a while, and
each further failure doubles the time, up to a ceiling. Every refusal reads the same to the person."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pathfinder.auth import Principal, Scope
from pathfinder.identity.access.domain.organisations import Organisation

MINIMUM_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,253}$")


class AccountRefused(ValueError):
    pass


def username_of(text: str) -> str:
    return text.strip().lower()


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    first_lock: timedelta = timedelta(minutes=1)
    longest_lock: timedelta = timedelta(hours=1)

    def locked_until(self, failures: int, now: datetime) -> datetime | None:
        if failures < self.threshold:
            return None
        doublings = min(failures - self.threshold, 20)
        return now + min(self.first_lock * (1 << doublings), self.longest_lock)


@dataclass
class PersonAccount:
    account_id: UUID
    username: str
    display_name: str
    organisation: Organisation
    scopes: frozenset[Scope]
    password_hash: str | None
    created_at: datetime
    failed_attempts: int = 0
    locked_until: datetime | None = None
    disabled_at: datetime | None = None
    last_signed_in_at: datetime | None = None

    @classmethod
    def open(
        cls,
        account_id: UUID,
        username: str,
        display_name: str,
        organisation: Organisation,
        scopes: frozenset[Scope],
        password_hash: str | None,
        now: datetime,
    ) -> PersonAccount:
        username = username_of(username)
        if not _USERNAME.match(username):
            raise AccountRefused("a username is 3 to 254 letters, digits or . _ @ + -, such as an email address")
        if not organisation.active:
            raise AccountRefused(f"organisation {organisation.code} is not active")
        display_name = " ".join(display_name.split()) or username
        return cls(account_id, username, display_name, organisation, organisation.grant(scopes), password_hash, now)

    def may_try(self, now: datetime) -> bool:
        if self.disabled_at is not None or not self.organisation.active:
            return False
        return self.locked_until is None or self.locked_until <= now

    def record_failure(self, now: datetime, policy: LockoutPolicy) -> None:
        self.failed_attempts += 1
        self.locked_until = policy.locked_until(self.failed_attempts, now)

    def record_success(self, now: datetime) -> None:
        self.failed_attempts = 0
        self.locked_until = None
        self.last_signed_in_at = now

    def principal(self) -> Principal:
        return Principal(
            subject=str(self.account_id),
            kind="person",
            organisation=self.organisation.code,
            role=self.organisation.role,
            scopes=frozenset(self.scopes),
        )


def check_new_password(password: str) -> None:
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise AccountRefused(f"a password has at least {MINIMUM_PASSWORD_LENGTH} characters")
