"""The notifications unit of work as the use cases see it: its two repositories, and the events their
aggregates raise, committed together or not at all. The SQL one is in the adapters; the fast tests use fakes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.messaging.unit_of_work import TracksAggregates, UnitOfWork
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification, NotificationStatus
from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import LaSubscription
from pathfinder.notifications.domain.mesh_mailbox import MailboxRole, MeshMailbox


class ChildDetailsUnreadable(Exception):
    """A waiting child's sealed details do not open in this process: sealed under another key than its own, or
    altered since. A fault of the deployment or the database, not of the notification."""


@dataclass(frozen=True)
class SubmissionKey:
    """An idempotency key (a message id, or an X-Request-ID) and the answer its first submission got."""

    key: str
    body_hash: str
    notification_id: UUID
    status_code: int


class EarlyYearsNotifications(Protocol):
    @property
    def seen(self) -> Iterable[EarlyYearsNotification]: ...

    async def add(self, notification: EarlyYearsNotification) -> None: ...

    async def add_many(self, notifications: Sequence[EarlyYearsNotification]) -> None:
        """As ``add`` for each, in one statement."""
        ...

    async def get(self, notification_id: UUID, *, lock: bool = False) -> EarlyYearsNotification | None: ...

    async def get_many(self, notification_ids: Sequence[UUID], *, lock: bool = False) -> list[EarlyYearsNotification]:
        """Those of ``notification_ids`` that exist, in no particular order; locked (in id order) if asked."""
        ...

    async def save(self, notification: EarlyYearsNotification) -> None: ...

    async def save_many(self, notifications: Sequence[EarlyYearsNotification]) -> None: ...

    def continuing_request(self, notification: EarlyYearsNotification) -> AbstractContextManager[None]:
        """Inside it, what is done for a loaded notification (its events raised and staged) continues the trace
        and correlation id of the request that submitted it."""
        ...

    def child_of(self, notification: EarlyYearsNotification) -> ChildDemographics | None:
        """The waiting child's details, opened (they are stored sealed): only to ask identity who the child is.
        Raises :class:`ChildDetailsUnreadable` when they do not open here."""
        ...

    async def claim_due_for_identity(self, now: datetime, *, limit: int, lease: timedelta) -> list[UUID]:
        """Ids of notifications awaiting identity whose next try is due, pushed ``lease`` ahead so that other
        workers leave them alone meanwhile."""
        ...

    async def held_for_review(self, review_id: UUID) -> list[EarlyYearsNotification]:
        """Locked, for a review's decision to release them."""
        ...

    async def delivered_unacknowledged(self, delivered_by: datetime, *, limit: int) -> list[EarlyYearsNotification]:
        """Delivered no later than ``delivered_by`` and not acknowledged nor reported overdue, locked; those
        other workers hold are skipped."""
        ...

    async def sent_by(
        self,
        notifying_organisation: str,
        *,
        status: NotificationStatus | None,
        older_than: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[EarlyYearsNotification]:
        """Newest first; ``older_than`` is the (received_at, id) of the last one already seen."""
        ...

    async def held_naming(
        self, la_code: str, *, older_than: tuple[datetime, UUID] | None, limit: int
    ) -> list[EarlyYearsNotification]:
        """Those naming ``la_code`` that await identity or its review, newest first, paged as ``sent_by``."""
        ...

    async def submission_keys(self, keys: Sequence[str]) -> list[SubmissionKey]: ...

    async def add_submission_keys(self, keys: Sequence[SubmissionKey], at: datetime) -> bool:
        """False, and nothing stored, when any key is taken (by a submission committed meanwhile)."""
        ...


class LaSubscriptions(Protocol):
    @property
    def seen(self) -> Iterable[LaSubscription]: ...

    async def add(self, subscription: LaSubscription) -> bool:
        """False, and nothing stored, when the LA already has a Kafka subscription (it has one topic)."""
        ...

    async def get(self, subscription_id: UUID, *, lock: bool = False) -> LaSubscription | None: ...

    async def of_la(self, la_code: str, *, lock: bool = False) -> list[LaSubscription]: ...

    async def save(self, subscription: LaSubscription) -> None:
        """Store what changed: the subscription's own fields, and its new or changed deliveries."""
        ...

    async def remove(self, subscription_id: UUID) -> None: ...

    async def kafka_la_codes(self) -> list[str]: ...

    async def claim_due_delivery(self, now: datetime, *, per_la: int) -> tuple[LaSubscription, LaDelivery] | None:
        """A due pending delivery whose child has nothing earlier pending, on an active webhook, rest-hook or
        MESH subscription with nothing in flight, of an LA with fewer than ``per_la`` in flight: of the LA claimed
        from longest ago, then its subscription claimed from longest ago, then the oldest due. Locked with its
        subscription (others are skipped)."""
        ...

    async def delivery(self, subscription: LaSubscription, delivery_id: int) -> LaDelivery | None:
        """One delivery of ``subscription``, locked, and held by it from now on."""
        ...

    async def deliveries(
        self,
        subscription: LaSubscription,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        numbers: tuple[int, int] | None = None,
        limit: int = 1000,
    ) -> list[LaDelivery]:
        """Created in [since, until), or numbered from ``numbers[0]`` to ``numbers[1]``; held by ``subscription``."""
        ...

    async def due_heartbeats(self, now: datetime, *, limit: int) -> list[LaSubscription]:
        """Active rest-hook subscriptions whose heartbeat period has passed, locked; others are skipped."""
        ...

    async def mesh_deliveries_to_track(
        self, checked_before: datetime, sent_since: datetime, *, limit: int
    ) -> list[tuple[LaSubscription, LaDelivery]]:
        """Deliveries sent by MESH and delivered since ``sent_since`` whose MESH status is not final and was last
        asked before ``checked_before`` (or never), those never asked first; locked (others are skipped), each
        held by its subscription (not locked)."""
        ...


class MeshMailboxes(Protocol):
    async def get(self, mailbox_id: str) -> MeshMailbox | None: ...

    async def register(self, mailbox: MeshMailbox) -> None:
        """Store ``mailbox``, or replace what was registered under its id."""
        ...

    async def of_role(self, role: MailboxRole) -> list[MeshMailbox]:
        """Every mailbox of ``role``, in the order they were registered."""
        ...

    async def of_organisation(self, organisation: str) -> list[MeshMailbox]: ...


class NotificationsUnitOfWork(UnitOfWork):
    notifications: EarlyYearsNotifications
    subscriptions: LaSubscriptions
    mesh_mailboxes: MeshMailboxes

    def repositories(self) -> Iterable[TracksAggregates]:
        return (self.notifications,)  # subscriptions raise no events: their deliveries are records, not facts
