"""Principals calling the person index, as the access tokens of a test mint name them."""

from __future__ import annotations

from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal

ALL_PERSON_SCOPES = (
    Scope.PERSONS_MATCH,
    Scope.PERSONS_READ,
    Scope.PERSONS_LINK,
    Scope.PERSONS_REVIEW,
    Scope.PERSONS_ERASE,
    Scope.AUDIT_READ,
)


def la(code: str, *scopes: Scope) -> Principal:
    return principal(OrganisationRole.LOCAL_AUTHORITY, code, *(scopes or ALL_PERSON_SCOPES))


def trust(ods: str, *scopes: Scope) -> Principal:
    return principal(OrganisationRole.NHS_TRUST, ods, *(scopes or ALL_PERSON_SCOPES))


def platform(*scopes: Scope) -> Principal:
    return principal(OrganisationRole.PLATFORM, "pathfinder", *(scopes or ALL_PERSON_SCOPES))
