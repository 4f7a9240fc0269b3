"""The access rules without I/O: organisations and what they may be granted, clients and their keys, the client
assertion's claims, and the sign-in backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.identity.access.domain.client_assertions import AssertionRefused, AssertionRules
from pathfinder.identity.access.domain.clients import MAX_ACTIVE_KEYS, ApiClient, ClientRefused, ScopeNotGranted
from pathfinder.identity.access.domain.organisations import InvalidOrganisation, Organisation, ScopeNotGrantable
from pathfinder.identity.access.domain.person_accounts import LockoutPolicy
from pathfinder.identity.seed import parse_organisations, seed_organisations

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TOKEN_URL = "https://identity.pathfinder.test/oauth2/token"
RULES = AssertionRules(token_url=TOKEN_URL)
DEVON = Organisation.register("878", "Devon County Council", "local-authority")
ROYAL_DEVON = Organisation.register("RH8", "Royal Devon University Healthcare NHS Foundation Trust", "nhs-trust")


def claims(**changes: Any) -> dict[str, Any]:
    moment = int(NOW.timestamp())
    base: dict[str, Any] = {
        "iss": "client-1",
        "sub": "client-1",
        "aud": TOKEN_URL,
        "jti": "j-1",
        "iat": moment,
        "exp": moment + 300,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def test_a_good_assertion_is_accepted_and_its_jti_remembered_past_its_expiry() -> None:
    accepted = RULES.accept(claims(), NOW)
    assert (accepted.client_id, accepted.jti) == ("client-1", "j-1")
    assert accepted.remember_until == NOW + timedelta(minutes=5, seconds=30)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"exp": int(NOW.timestamp()) - 31}, "expired"),
        ({"exp": int(NOW.timestamp()) + 331}, "more than 5 minutes"),
        ({"exp": None}, "Missing 'exp'"),
        ({"exp": 1.5e9}, "whole number"),
        ({"aud": "https://elsewhere.test/token"}, "'aud'"),
        ({"aud": [TOKEN_URL, "https://elsewhere.test"]}, "'aud'"),
        ({"jti": None}, "'jti'"),
        ({"jti": "x" * 201}, "'jti'"),
        ({"sub": "client-2"}, "'iss'/'sub'"),
        ({"iss": None}, "Missing 'iss'"),
        ({"nbf": int(NOW.timestamp()) + 60}, "'nbf'"),
        ({"iat": int(NOW.timestamp()) + 60}, "'iat'"),
    ],
)
def test_assertions_breaking_a_rule_are_refused(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(AssertionRefused, match=words):
        RULES.accept(claims(**changes), NOW)


def test_clock_skew_is_allowed_for_within_the_leeway() -> None:
    RULES.accept(claims(exp=int(NOW.timestamp()) - 29), NOW)
    RULES.accept(claims(exp=int(NOW.timestamp()) + 329, iat=int(NOW.timestamp()) + 29), NOW)


@pytest.mark.parametrize(
    ("header", "words"),
    [({"alg": "RS256", "kid": "k"}, "RS512"), ({"alg": "none", "kid": "k"}, "RS512"), ({"alg": "RS512"}, "kid")],
)
def test_the_header_must_say_rs512_and_name_a_key(header: dict[str, Any], words: str) -> None:
    with pytest.raises(AssertionRefused, match=words):
        RULES.key_id(header)


@pytest.mark.parametrize(
    ("code", "role"),
    [("84", "local-authority"), ("RH8", "local-authority"), ("8", "icb"), ("NHS DEVON", "icb"), ("NHS", "platform")],
)
def test_organisation_codes_follow_their_role(code: str, role: str) -> None:
    with pytest.raises(InvalidOrganisation):
        Organisation.register(code, "Somewhere", role)


def test_ods_codes_are_kept_in_capitals() -> None:
    assert Organisation.register(" rh8 ", "Royal Devon", "nhs-trust").code == "RH8"


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (OrganisationRole.LOCAL_AUTHORITY, Scope.NOTIFICATIONS_SUBMIT),
        (OrganisationRole.LOCAL_AUTHORITY, Scope.ADVICE_SUBMIT),
        (OrganisationRole.LOCAL_AUTHORITY, Scope.PERSONS_ERASE),
        (OrganisationRole.NHS_TRUST, Scope.NOTIFICATIONS_ACKNOWLEDGE),
        (OrganisationRole.NHS_TRUST, Scope.SUBSCRIPTIONS_MANAGE),
        (OrganisationRole.ICB, Scope.PERSONS_LINK),
        (OrganisationRole.ICB, Scope.ORGANISATIONS_MANAGE),
        (OrganisationRole.ICB, Scope.EVENTS_REPLAY),
        (OrganisationRole.LOCAL_AUTHORITY, Scope.EVENTS_ENGINEER),
        (OrganisationRole.NHS_TRUST, Scope.EVENTS_ENGINEER),
        (OrganisationRole.ICB, Scope.EVENTS_ENGINEER),
    ],
)
def test_scopes_are_granted_only_to_the_roles_they_suit(role: OrganisationRole, scope: Scope) -> None:
    code = {OrganisationRole.LOCAL_AUTHORITY: "841", OrganisationRole.NHS_TRUST: "RXP", OrganisationRole.ICB: "QHM"}
    with pytest.raises(ScopeNotGrantable, match=scope.value):
        Organisation.register(code[role], "Somewhere", role).grant([scope])


def test_the_platform_may_be_granted_everything() -> None:
    platform = Organisation.register("Pathfinder", "Pathfinder", "platform")
    assert platform.code == "pathfinder"
    assert platform.grant(list(Scope)) == frozenset(Scope)


def test_unknown_scopes_and_empty_grants_are_refused() -> None:
    with pytest.raises(ScopeNotGrantable, match="not a Pathfinder scope"):
        DEVON.grant(["persons:everything"])
    with pytest.raises(ScopeNotGrantable, match="at least one"):
        DEVON.grant([])


def client(*scopes: Scope) -> ApiClient:
    return ApiClient.register("client-1", ROYAL_DEVON, "Trust EPR", frozenset(scopes), NOW)


def test_a_client_token_carries_its_organisation_and_scopes() -> None:
    principal = client(Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT).principal(None)
    assert (principal.subject, principal.kind, principal.organisation) == ("client-1", "client", "RH8")
    assert principal.role is OrganisationRole.NHS_TRUST
    assert principal.scopes == {"notifications:submit", "advice:submit"}


def test_a_client_may_narrow_but_never_widen_its_scopes() -> None:
    epr = client(Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT)
    assert epr.principal("advice:submit").scopes == {"advice:submit"}
    with pytest.raises(ScopeNotGranted, match="advice:read"):
        epr.principal("advice:submit advice:read")


def test_keys_rotate_by_kid_and_revoked_keys_stop_counting() -> None:
    epr = client(Scope.ADVICE_SUBMIT)
    epr.add_key("2026-11", {"kty": "RSA"}, NOW)
    with pytest.raises(ClientRefused, match="new kid"):
        epr.add_key("2026-11", {"kty": "RSA"}, NOW)
    epr.add_key("2027-05", {"kty": "RSA"}, NOW)
    epr.revoke_key("2026-11", NOW)
    assert epr.active_key("2026-11") is None
    assert epr.active_key("2027-05") is not None


def test_a_client_holds_a_bounded_number_of_active_keys() -> None:
    epr = client(Scope.ADVICE_SUBMIT)
    for number in range(MAX_ACTIVE_KEYS):
        epr.add_key(f"k{number}", {"kty": "RSA"}, NOW)
    with pytest.raises(ClientRefused, match="at most"):
        epr.add_key("one-more", {"kty": "RSA"}, NOW)


def test_a_revoked_client_is_inactive_and_takes_no_keys() -> None:
    epr = client(Scope.ADVICE_SUBMIT)
    epr.revoke(NOW)
    assert not epr.active
    with pytest.raises(ClientRefused, match="revoked"):
        epr.add_key("k", {"kty": "RSA"}, NOW)


def test_lockout_starts_at_the_threshold_doubles_and_has_a_ceiling() -> None:
    policy = LockoutPolicy(threshold=5, first_lock=timedelta(minutes=1), longest_lock=timedelta(hours=1))
    assert policy.locked_until(4, NOW) is None
    assert policy.locked_until(5, NOW) == NOW + timedelta(minutes=1)
    assert policy.locked_until(6, NOW) == NOW + timedelta(minutes=2)
    assert policy.locked_until(8, NOW) == NOW + timedelta(minutes=8)
    assert policy.locked_until(50, NOW) == NOW + timedelta(hours=1)


def test_the_seed_holds_the_pathfinder_areas() -> None:
    seeded = {org.code: org.role for org in seed_organisations()}
    assert seeded["pathfinder"] is OrganisationRole.PLATFORM
    for la in ("841", "805", "878"):
        assert seeded[la] is OrganisationRole.LOCAL_AUTHORITY
    for icb in ("QHM", "QJK"):
        assert seeded[icb] is OrganisationRole.ICB
    for trust in ("RXP", "RVW", "RH8", "RK9", "RA9"):
        assert seeded[trust] is OrganisationRole.NHS_TRUST


def test_a_csv_in_another_shape_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidOrganisation, match="header"):
        parse_organisations("name,code\nDevon,878\n")
    with pytest.raises(InvalidOrganisation, match="line 3"):
        parse_organisations("code,role,name\n878,local-authority,Devon\n87,local-authority,Broken\n")
