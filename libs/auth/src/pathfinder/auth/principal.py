"""Who is calling: an API client or a person, acting for one organisation, with the scopes granted to it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

PLATFORM_ORGANISATION = "pathfinder"


class OrganisationRole(StrEnum):
    LOCAL_AUTHORITY = "local-authority"
    ICB = "icb"
    NHS_TRUST = "nhs-trust"
    PLATFORM = "platform"  # Pathfinder's own services and operators


class Scope(StrEnum):
    NOTIFICATIONS_SUBMIT = "notifications:submit"
    NOTIFICATIONS_READ = "notifications:read"
    NOTIFICATIONS_ACKNOWLEDGE = "notifications:acknowledge"
    SUBSCRIPTIONS_MANAGE = "subscriptions:manage"
    PERSONS_MATCH = "persons:match"
    PERSONS_READ = "persons:read"
    PERSONS_LINK = "persons:link"
    PERSONS_REVIEW = "persons:review"
    PERSONS_ERASE = "persons:erase"
    AUDIT_READ = "audit:read"
    ORGANISATIONS_MANAGE = "organisations:manage"
    ADVICE_READ = "advice:read"
    ADVICE_SUBMIT = "advice:submit"
    EVENTS_REPLAY = "events:replay"
    EVENTS_ENGINEER = "events:engineer"  # the platform's integration engineers: every event of the history
    CASES_READ = "cases:read"  # an LA's EHC needs assessment and plan cases (pseudonymous)
    CASES_MANAGE = "cases:manage"  # record the steps of an LA's own assessments and plans


PrincipalKind = Literal["client", "person"]


@dataclass(frozen=True)
class Principal:
    subject: str  # API client id, or a person's account id
    kind: PrincipalKind
    organisation: str  # ODS code (NHS), DfE LA code (LA) or "pathfinder"
    role: OrganisationRole
    scopes: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def la_code(self) -> str | None:
        """The DfE LA code when the principal acts for a local authority."""
        return self.organisation if self.role is OrganisationRole.LOCAL_AUTHORITY else None

    @property
    def scope_text(self) -> str:
        """The scopes as OAuth writes them: space-separated, here in a stable order."""
        return " ".join(sorted(self.scopes))
