"""What the use cases ask of the world outside the service's own database, as protocols the adapters meet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.domain.la_delivery import LaDelivery, SendOutcome
from pathfinder.notifications.domain.la_subscription import LaSubscription


class IdentityUnavailable(Exception):
    """Identity could not answer now; asking again later may succeed."""


@dataclass(frozen=True)
class ChildIdentity:
    """Identity's answer: the child's pseudonymous person id and the LA identity holds the child under, or the
    review a person must decide first, or why identity will not take the record (it names no registered LA)."""

    person_id: UUID | None = None
    review_id: UUID | None = None
    responsible_la: str | None = None
    """Identity owns it: for a child it already holds, its LA, whatever the notification named."""
    refused: NotificationRejectionReason | None = None


class IdentityClient(Protocol):
    async def match_child(
        self, child: ChildDemographics, *, responsible_la: str, request_id: str, postcode_la: str | None = None
    ) -> ChildIdentity:
        """``request_id`` is stable across retries, so that identity answers a retry as it did the first call.
        ``postcode_la``, the LA of the child's postcode (None: not known), is evidence about the LA the record
        names: for a child new to identity's index, a disagreement is held for the platform to decide."""
        ...


class PostcodeLookup(Protocol):
    async def responsible_la(self, postcode: str) -> str | None: ...


class LaEndpoints(Protocol):
    """Sends to an LA's webhook or rest-hook endpoint: signed, to a checked address, bounded in time."""

    async def send(self, subscription: LaSubscription, delivery: LaDelivery) -> SendOutcome: ...

    async def send_heartbeat(self, subscription: LaSubscription) -> SendOutcome: ...


class DestinationCheck(Protocol):
    async def refusal(self, endpoint: str, allowed_hosts: frozenset[str]) -> str | None:
        """Why the endpoint (and the other hosts allowed) can never be delivered to, or None."""
        ...
