"""What the notifications service asks of identity: the pseudonymous person id of the child a notification is
about. Identity either names the child (an existing or a new person) or holds the record for a person to review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics


class IdentityUnavailable(Exception):
    """Identity could not answer now; asking again later may succeed."""


@dataclass(frozen=True)
class ChildIdentity:
    person_id: UUID | None = None
    review_id: UUID | None = None
    """Set when identity found a possible match that a person must review."""


class IdentityClient(Protocol):
    async def match_child(self, child: ChildDemographics, *, responsible_la: str, request_id: str) -> ChildIdentity:
        """``request_id`` is stable across retries, so that identity answers a retry as it did the first call."""
        ...
