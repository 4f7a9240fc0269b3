"""Which service each scope is for: every scope belongs to exactly one service's audience."""

from __future__ import annotations

import pytest
from pathfinder.auth import Scope
from pathfinder.auth.audiences import UnknownAudience, audience_of, audiences_for, scopes_for, token_audiences


def test_every_scope_belongs_to_one_service() -> None:
    owners = {scope: [a for a in map(audience_of, ("notifications", "identity", "ehcp", "health-advice",
                                                     "event-history")) if scope.value in scopes_for(a)]
              for scope in Scope}  # fmt: skip
    assert {scope: len(found) for scope, found in owners.items()} == {scope: 1 for scope in Scope}


def test_a_tokens_audiences_are_the_services_of_its_scopes() -> None:
    assert audiences_for([Scope.NOTIFICATIONS_SUBMIT]) == ("urn:pathfinder:notifications",)
    assert audiences_for(["cases:read", "persons:read", "notifications:read", "not-a-scope"]) == (
        "urn:pathfinder:ehcp",
        "urn:pathfinder:identity",
        "urn:pathfinder:notifications",
    )
    assert audiences_for([]) == ()


def test_a_resource_that_is_no_service_is_refused_with_the_ones_that_are() -> None:
    assert scopes_for("urn:pathfinder:ehcp") == {"cases:read", "cases:manage"}
    assert scopes_for("urn:pathfinder:event-history") == {"events:replay", "events:engineer"}
    with pytest.raises(UnknownAudience, match="urn:pathfinder:notifications"):
        scopes_for("https://evil.example")


def test_a_token_that_names_no_resource_is_for_its_scopes_services_and_identity() -> None:
    assert token_audiences([Scope.CASES_READ]) == ("urn:pathfinder:ehcp", "urn:pathfinder:identity")
    assert token_audiences([Scope.PERSONS_MATCH]) == ("urn:pathfinder:identity",)
