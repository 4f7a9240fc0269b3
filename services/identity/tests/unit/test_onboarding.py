"""Onboarding on the in-memory registry: organisations load idempotently, clients get only what their role may
hold and only usable keys, people's accounts keep a hash and never the password."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from identity_kit.access_fakes import FakeAccess, FakeClientKey, fake_key_check
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.identity.access.domain.clients import ClientRefused
from pathfinder.identity.access.domain.organisations import Organisation, ScopeNotGrantable
from pathfinder.identity.access.domain.person_accounts import AccountRefused
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.access.service_layer.onboarding import OnboardingRefused
from pathfinder.identity.seed import seed_organisations

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


Jwks = Mapping[str, Any] | str | None


async def register(access: FakeAccess, org: str = "RH8", *scopes: Scope, jwks: Jwks = None) -> str:
    client = await onboarding.register_client(
        org,
        "Trust EPR",
        list(scopes or (Scope.NOTIFICATIONS_SUBMIT,)),
        uow=access.unit_of_work(),
        now=NOW,
        key_check=fake_key_check,
        jwks=jwks,
    )
    return client.client_id


async def test_loading_organisations_adds_renames_and_reports_conflicts_and_twice_changes_nothing() -> None:
    access = FakeAccess()
    first = await onboarding.load_organisations(seed_organisations(), uow=access.unit_of_work())
    assert {"pathfinder", "841", "RH8"} <= set(first.added)
    again = await onboarding.load_organisations(seed_organisations(), uow=access.unit_of_work())
    assert (again.added, again.renamed, again.conflicting) == ([], [], [])
    assert sorted(again.unchanged) == sorted(first.added)
    changes = [
        Organisation.register("879", "Plymouth City Council", "local-authority"),
        Organisation.register("841", "Wrong", "icb"),
        Organisation.register("RH8", "RDUH", "nhs-trust"),
    ]
    report = await onboarding.load_organisations(changes, uow=access.unit_of_work())
    assert (report.added, report.renamed, report.unchanged, report.conflicting) == (["879"], ["RH8"], [], ["841"])
    assert access.state.organisations["RH8"].name == "RDUH"
    assert access.state.organisations["841"].role is OrganisationRole.LOCAL_AUTHORITY


async def test_an_organisation_is_registered_once(access: FakeAccess) -> None:
    plymouth = Organisation.register("879", "Plymouth City Council", "local-authority")
    await onboarding.register_organisation(plymouth, uow=access.unit_of_work())
    with pytest.raises(OnboardingRefused, match="already registered"):
        await onboarding.register_organisation(plymouth, uow=access.unit_of_work())
    assert await onboarding.organisation(" 879 ", uow=access.unit_of_work()) == plymouth


async def test_a_client_gets_its_keys_and_only_scopes_its_role_may_hold(access: FakeAccess) -> None:
    key = FakeClientKey("2026-11")
    client_id = await register(access, "RH8", Scope.NOTIFICATIONS_SUBMIT, jwks={"keys": [key.jwk]})
    stored = access.state.clients[client_id]
    assert (stored.name, stored.scopes, list(stored.keys)) == (
        "Trust EPR",
        frozenset({Scope.NOTIFICATIONS_SUBMIT}),
        ["2026-11"],
    )
    with pytest.raises(ScopeNotGrantable, match="notifications:submit"):
        await register(access, "841", Scope.NOTIFICATIONS_SUBMIT)
    with pytest.raises(OnboardingRefused, match="no organisation"):
        await register(access, "ZZZ9")
    assert list(access.state.clients) == [client_id]


@pytest.mark.parametrize(
    ("jwks", "words"),
    [
        ("{not json", "not JSON"),
        ({"keys": []}, "non-empty"),
        ({"keys": [{"kty": "RSA", "n": "x"}]}, "'kid'"),
        ({"keys": [FakeClientKey("good").jwk, {**FakeClientKey("bad").jwk, "d": "private"}]}, "'bad'.*private"),
        ({"keys": [{"kty": "EC", "kid": "ec", "n": "x"}]}, "RSA"),
    ],
)
async def test_one_unusable_key_refuses_the_whole_set(access: FakeAccess, jwks: Jwks, words: str) -> None:
    with pytest.raises(OnboardingRefused, match=words):
        await register(access, jwks=jwks)
    assert access.state.clients == {}


async def test_keys_rotate_by_kid_and_a_revoked_client_takes_no_more(access: FakeAccess) -> None:
    old, new = FakeClientKey("old"), FakeClientKey("new")
    client_id = await register(access, jwks={"keys": [old.jwk]})
    later = NOW + timedelta(days=1)
    added = await onboarding.add_client_keys(
        client_id, {"keys": [new.jwk]}, uow=access.unit_of_work(), now=later, key_check=fake_key_check
    )
    assert added == ["new"]
    await onboarding.revoke_client_key(client_id, "old", uow=access.unit_of_work(), now=later)
    keys = access.state.clients[client_id].keys
    assert (keys["old"].revoked_at, keys["new"].revoked_at, keys["new"].added_at) == (later, None, later)
    await onboarding.revoke_client(client_id, uow=access.unit_of_work(), now=later)
    assert not access.state.clients[client_id].active
    with pytest.raises(ClientRefused, match="revoked"):
        await onboarding.add_client_keys(
            client_id,
            {"keys": [FakeClientKey("more").jwk]},
            uow=access.unit_of_work(),
            now=later,
            key_check=fake_key_check,
        )
    with pytest.raises(OnboardingRefused, match="no client"):
        await onboarding.revoke_client("not-a-client", uow=access.unit_of_work(), now=later)


async def test_an_organisations_clients_are_listed_in_the_order_they_came(access: FakeAccess) -> None:
    first = await register(access, "RH8")
    second = await register(access, "RH8", Scope.ADVICE_SUBMIT)
    await register(access, "RK9")
    listed = await onboarding.clients_of("rh8", uow=access.unit_of_work())
    assert [client.client_id for client in listed] == [first, second]


async def test_a_person_account_holds_a_hash_never_the_password(access: FakeAccess) -> None:
    account = await onboarding.open_person_account(
        " DCO@Devon.example.NHS.uk ",
        "Designated Clinical Officer",
        "QJK",
        [Scope.ADVICE_READ],
        "a long enough password",
        uow=access.unit_of_work(),
        passwords=access.passwords,
        now=NOW,
    )
    stored = access.state.accounts["dco@devon.example.nhs.uk"]
    assert (stored.account_id, stored.organisation.code, stored.scopes) == (
        account.account_id,
        "QJK",
        frozenset({Scope.ADVICE_READ}),
    )
    assert stored.password_hash is not None and "a long enough password" not in stored.password_hash
    assert await access.passwords.matches(stored.password_hash, "a long enough password")


@pytest.mark.parametrize(
    ("username", "org", "password", "refusal", "words"),
    [
        ("short@example.org", "QJK", "too short", AccountRefused, "12 characters"),
        ("x", "QJK", "a long enough password", AccountRefused, "username"),
        ("someone@example.org", "ZZZ9", "a long enough password", OnboardingRefused, "no organisation"),
        ("taken@example.org", "QJK", "a long enough password", OnboardingRefused, "exists already"),
    ],
)
async def test_a_person_account_is_refused_what_it_may_not_have(
    access: FakeAccess, username: str, org: str, password: str, refusal: type[Exception], words: str
) -> None:
    async def open_account(username: str, org: str, password: str) -> None:
        await onboarding.open_person_account(
            username,
            "",
            org,
            [Scope.ADVICE_READ],
            password,
            uow=access.unit_of_work(),
            passwords=access.passwords,
            now=NOW,
        )

    await open_account("taken@example.org", "QJK", "a long enough password")
    with pytest.raises(refusal, match=words):
        await open_account(username, org, password)
    assert list(access.state.accounts) == ["taken@example.org"]
