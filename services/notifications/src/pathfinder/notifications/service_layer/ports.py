"""What the use cases ask of the world outside the service's own database, as protocols the adapters meet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.domain.la_delivery import LaDelivery, SendOutcome
from pathfinder.notifications.domain.la_subscription import LaSubscription
from pathfinder.notifications.domain.mesh_mailbox import MeshMailbox


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


@dataclass(frozen=True)
class ChildToIdentify:
    """One child of a batch put to identity, with what ``IdentityClient.match_child`` takes besides."""

    child: ChildDemographics
    responsible_la: str
    request_id: str
    postcode_la: str | None = None


class IdentityClient(Protocol):
    async def match_child(
        self, child: ChildDemographics, *, responsible_la: str, request_id: str, postcode_la: str | None = None
    ) -> ChildIdentity:
        """``request_id`` is stable across retries, so that identity answers a retry as it did the first call.
        ``postcode_la``, the LA of the child's postcode (None: not known), is evidence about the LA the record
        names: for a child new to identity's index, a disagreement is held for the platform to decide."""
        ...

    async def match_children(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
        """Each child's answer as ``match_child`` gives it, in order, asked in as few calls as identity allows;
        None for a child identity could not answer now. IdentityUnavailable when it answered none."""
        ...


class PostcodeLookup(Protocol):
    async def responsible_la(self, postcode: str) -> str | None: ...

    async def responsible_las(self, postcodes: Iterable[str]) -> dict[str, str | None]:
        """Each postcode's LA at once (None where unknown), keyed as given: for bulk submissions."""
        ...


class LaEndpoints(Protocol):
    """Sends to an LA's webhook or rest-hook endpoint (signed, to a checked address, bounded in time), or its MESH
    mailbox."""

    async def send(self, subscription: LaSubscription, delivery: LaDelivery) -> SendOutcome: ...

    async def send_heartbeat(self, subscription: LaSubscription) -> SendOutcome: ...


class DestinationCheck(Protocol):
    async def refusal(self, endpoint: str, allowed_hosts: frozenset[str]) -> str | None:
        """Why the endpoint (and the other hosts allowed) can never be delivered to, or None."""
        ...


class MeshUnavailable(Exception):
    """MESH did not answer, or answered that it is busy (429) or failing (5xx): try again later."""


class MeshRefused(Exception):
    """MESH refused the request for good (an unknown recipient, a message it does not hold, bad credentials)."""


@dataclass(frozen=True)
class MeshMessage:
    """A message collected from one of the platform's mailboxes; ``sender`` is the mailbox MESH says sent it."""

    message_id: str
    sender: str
    workflow_id: str | None
    content_type: str | None
    local_id: str | None
    body: bytes


@dataclass(frozen=True)
class MeshLetter:
    """A message the platform sends from one of its mailboxes."""

    recipient: str
    body: bytes
    workflow_id: str
    content_type: str
    local_id: str
    subject: str | None = None


@dataclass(frozen=True)
class MeshTracking:
    """What MESH says became of a message sent: ``status`` as MESH spells it (``Accepted``, ``Acknowledged``,
    ``Undeliverable``...), and when the recipient acknowledged it."""

    status: str
    acknowledged_at: datetime | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status.lower() == "acknowledged"

    @property
    def undeliverable(self) -> bool:
        return self.status.lower() in {"undeliverable", "expired", "error"}


class MeshPost(Protocol):
    """The platform's own MESH mailboxes (``mailbox``), as registered: collect, acknowledge, send, track."""

    async def waiting(self, mailbox: MeshMailbox) -> list[str]:
        """Ids of the messages in the mailbox's inbox, oldest first."""
        ...

    async def collect(self, mailbox: MeshMailbox, message_id: str) -> MeshMessage:
        """The whole message, its chunks joined; it stays in the inbox until acknowledged."""
        ...

    async def acknowledge(self, mailbox: MeshMailbox, message_id: str) -> None: ...

    async def send(self, mailbox: MeshMailbox, letter: MeshLetter) -> str:
        """The new message's MESH id; chunked as MESH requires."""
        ...

    async def tracking(self, mailbox: MeshMailbox, message_id: str) -> MeshTracking: ...

    async def close(self) -> None:
        """Let go of every connection; a later call connects again."""
        ...
