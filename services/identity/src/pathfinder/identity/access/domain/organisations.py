"""The organisations that take part, and which scopes each kind of organisation may ever be granted.

An LA is named by its 3-digit DfE code, an ICB or NHS trust by its ODS code, and Pathfinder itself by
"pathfinder". The role decides what an organisation's clients and people may do: an NHS body tells an LA about a
child (s23) and gives advice; an LA reads, acknowledges and links; only the platform erases, replays and manages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pathfinder.auth import PLATFORM_ORGANISATION, OrganisationRole, Scope

_LA_CODE = re.compile(r"^[0-9]{3}$")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
_NHS_READING = frozenset({Scope.NOTIFICATIONS_READ, Scope.ADVICE_READ, Scope.PERSONS_MATCH, Scope.PERSONS_READ})

GRANTABLE_SCOPES: Mapping[OrganisationRole, frozenset[Scope]] = {
    OrganisationRole.LOCAL_AUTHORITY: frozenset(
        {
            Scope.NOTIFICATIONS_READ,
            Scope.NOTIFICATIONS_ACKNOWLEDGE,
            Scope.SUBSCRIPTIONS_MANAGE,
            Scope.PERSONS_MATCH,
            Scope.PERSONS_READ,
            Scope.PERSONS_LINK,
            Scope.PERSONS_REVIEW,
            Scope.AUDIT_READ,
            Scope.ADVICE_READ,
            Scope.EVENTS_REPLAY,  # only ever of its own children's events: the replay service applies the LA
            Scope.CASES_READ,
            Scope.CASES_MANAGE,
        }
    ),
    OrganisationRole.ICB: _NHS_READING | {Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT},
    OrganisationRole.NHS_TRUST: _NHS_READING | {Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT},
    OrganisationRole.PLATFORM: frozenset(Scope),  # events:engineer (every LA's events) is the platform's alone
}


class InvalidOrganisation(ValueError):
    pass


class ScopeNotGrantable(ValueError):
    pass


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    role: OrganisationRole
    active: bool = True

    @classmethod
    def register(cls, code: str, name: str, role: OrganisationRole | str) -> Organisation:
        try:
            role = OrganisationRole(role)
        except ValueError:
            known = ", ".join(member.value for member in OrganisationRole)
            raise InvalidOrganisation(f"role must be one of {known}") from None
        code, name = code.strip().upper(), " ".join(name.split())
        if not name:
            raise InvalidOrganisation("an organisation needs a name")
        if role is OrganisationRole.LOCAL_AUTHORITY and not _LA_CODE.match(code):
            raise InvalidOrganisation(f"{code!r}: a local authority is named by its 3-digit DfE LA code")
        if role in (OrganisationRole.ICB, OrganisationRole.NHS_TRUST) and not _ODS_CODE.match(code):
            raise InvalidOrganisation(f"{code!r}: an NHS body is named by its ODS code")
        if role is OrganisationRole.PLATFORM:
            if code.lower() != PLATFORM_ORGANISATION:
                raise InvalidOrganisation(f"only {PLATFORM_ORGANISATION!r} has the platform role")
            code = PLATFORM_ORGANISATION
        return cls(code=code, name=name, role=role)

    @property
    def grantable_scopes(self) -> frozenset[Scope]:
        return GRANTABLE_SCOPES[self.role]

    def grant(self, scopes: Iterable[Scope | str]) -> frozenset[Scope]:
        """The scopes asked for, if an organisation of this role may hold every one of them."""
        granted: set[Scope] = set()
        for asked in scopes:
            try:
                scope = Scope(asked)
            except ValueError:
                raise ScopeNotGrantable(f"{asked!r} is not a Pathfinder scope") from None
            if scope not in self.grantable_scopes:
                raise ScopeNotGrantable(f"a {self.role.value} organisation cannot be granted {scope.value}")
            granted.add(scope)
        if not granted:
            raise ScopeNotGrantable("grant at least one scope")
        return frozenset(granted)


def organisation_code(text: str) -> str:
    """How a code typed by a person is compared with the registry."""
    code = text.strip()
    return PLATFORM_ORGANISATION if code.lower() == PLATFORM_ORGANISATION else code.upper()
