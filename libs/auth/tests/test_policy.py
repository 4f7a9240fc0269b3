"""Organisation boundaries without I/O."""

from __future__ import annotations

import pytest
from pathfinder.auth import AccessDenied, OrganisationRole, Scope, ensure_la_may_see
from pathfinder.auth.policy import ACCESS_DENIED_DETAIL
from pathfinder.auth.testing import principal


def test_an_la_sees_its_own_children() -> None:
    ensure_la_may_see(principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.PERSONS_READ), "841")


def test_an_la_never_sees_another_las_children() -> None:
    with pytest.raises(AccessDenied) as refusal:
        ensure_la_may_see(principal(OrganisationRole.LOCAL_AUTHORITY, "805", Scope.PERSONS_READ), "841")
    assert refusal.value.detail == ACCESS_DENIED_DETAIL
    assert "841" not in refusal.value.detail and "841" not in str(refusal.value)
    assert "841" in refusal.value.reason, "the reason is for the service's own log"


def test_the_platform_sees_every_la() -> None:
    ensure_la_may_see(principal(OrganisationRole.PLATFORM, "pathfinder"), "878")


@pytest.mark.parametrize("role", [OrganisationRole.ICB, OrganisationRole.NHS_TRUST])
def test_nhs_bodies_are_left_to_the_owning_service(role: OrganisationRole) -> None:
    with pytest.raises(AccessDenied):
        ensure_la_may_see(principal(role, "RXP", Scope.PERSONS_READ), "841")


def test_only_an_la_principal_has_an_la_code() -> None:
    assert principal(OrganisationRole.LOCAL_AUTHORITY, "878").la_code == "878"
    assert principal(OrganisationRole.NHS_TRUST, "RH8").la_code is None
    assert principal(OrganisationRole.PLATFORM, "pathfinder").la_code is None
