"""People signing in on the in-memory registry: the right password buys a person's token; failures lock the
account for longer each time; every refusal reads the same; an old hash is replaced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from identity_kit.access_fakes import FakeAccess
from pathfinder.auth import Scope
from pathfinder.identity.access.domain.person_accounts import LockoutPolicy
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.access.service_layer.ports import IssuedToken
from pathfinder.identity.access.service_layer.sign_in import (
    SIGN_IN_REFUSED,
    AuthorisationCodeCallback,
    PasswordSignIn,
    SignInEvidence,
    SignInRefused,
    sign_in,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
USERNAME = "dco@devon.example.nhs.uk"
PASSWORD = "correct horse battery staple"
LOCKOUT = LockoutPolicy(threshold=3, first_lock=timedelta(minutes=1), longest_lock=timedelta(minutes=10))


@pytest.fixture
async def account(access: FakeAccess) -> str:
    opened = await onboarding.open_person_account(
        USERNAME,
        "Designated Clinical Officer",
        "QJK",
        [Scope.ADVICE_READ, Scope.NOTIFICATIONS_READ],
        PASSWORD,
        uow=access.unit_of_work(),
        passwords=access.passwords,
        now=NOW,
    )
    return str(opened.account_id)


async def signing_in(
    access: FakeAccess, at: datetime, password: str = PASSWORD, *, evidence: SignInEvidence | None = None
) -> IssuedToken:
    return await sign_in(
        evidence or PasswordSignIn(USERNAME.upper(), password),
        uow=access.unit_of_work(),
        passwords=access.passwords,
        lockout=LOCKOUT,
        tokens=access.tokens,
        now=at,
    )


async def refused(access: FakeAccess, at: datetime, password: str = PASSWORD) -> None:
    with pytest.raises(SignInRefused) as refusal:
        await signing_in(access, at, password)
    assert str(refusal.value) == SIGN_IN_REFUSED


async def test_the_right_password_buys_a_persons_token(access: FakeAccess, account: str) -> None:
    issued = await signing_in(access, NOW)
    assert issued.scope == "advice:read notifications:read"
    [token] = access.tokens.issued
    assert (token.principal.subject, token.principal.kind, token.principal.organisation) == (account, "person", "QJK")
    assert access.state.accounts[USERNAME].last_signed_in_at == NOW


async def test_failures_lock_the_account_and_each_failure_after_doubles_the_lock(
    access: FakeAccess, account: str
) -> None:
    for _ in range(3):
        await refused(access, NOW, "guess")
    held = access.state.accounts[USERNAME]
    assert (held.failed_attempts, held.locked_until) == (3, NOW + timedelta(minutes=1))
    await refused(access, NOW + timedelta(seconds=30))  # the right password, while locked
    assert access.state.accounts[USERNAME].failed_attempts == 3
    later = NOW + timedelta(seconds=61)
    await refused(access, later, "guess again")
    assert access.state.accounts[USERNAME].locked_until == later + timedelta(minutes=2)
    await refused(access, later + timedelta(minutes=1))
    await signing_in(access, later + timedelta(minutes=2))
    held = access.state.accounts[USERNAME]
    assert (held.failed_attempts, held.locked_until, held.last_signed_in_at) == (0, None, later + timedelta(minutes=2))


async def test_a_success_forgives_earlier_failures(access: FakeAccess, account: str) -> None:
    for _ in range(2):
        await refused(access, NOW, "guess")
    await signing_in(access, NOW)
    for _ in range(2):
        await refused(access, NOW, "guess")
    assert access.state.accounts[USERNAME].locked_until is None
    await signing_in(access, NOW)


async def test_an_unknown_person_takes_as_long_as_a_wrong_password_and_reads_the_same(
    access: FakeAccess, account: str
) -> None:
    with pytest.raises(SignInRefused) as unknown:
        await signing_in(access, NOW, evidence=PasswordSignIn("nobody@example.org", PASSWORD))
    assert str(unknown.value) == SIGN_IN_REFUSED
    assert access.passwords.time_wasted == 1
    assert access.tokens.issued == []


async def test_an_old_hash_is_replaced_at_the_next_sign_in(access: FakeAccess, account: str) -> None:
    access.state.accounts[USERNAME].password_hash = "v1$" + PASSWORD[::-1]
    await signing_in(access, NOW)
    replaced = access.state.accounts[USERNAME].password_hash
    assert replaced is not None and replaced.startswith("v2$")
    assert await access.passwords.matches(replaced, PASSWORD)


async def test_a_disabled_account_and_evidence_of_another_kind_are_refused(access: FakeAccess, account: str) -> None:
    with pytest.raises(SignInRefused):
        await signing_in(access, NOW, evidence=AuthorisationCodeCallback(code="code", state="state"))
    access.state.accounts[USERNAME].disabled_at = NOW
    await refused(access, NOW)
    assert access.tokens.issued == []
