"""Fakes for the fast tier: the notifications unit of work in memory (with transactions: what is not committed
is gone), identity, the postcode directory and the LAs' endpoints.

Committed state lives in a :class:`FakeStore` shared by every unit of work made from it; each unit of work
works on copies and writes them back on commit, as a database would.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.messaging.outbox_message import OutboxMessage
from pathfinder.notifications.domain.early_years_notification import (
    AWAITING_IDENTITY,
    EarlyYearsNotification,
    NotificationStatus,
)
from pathfinder.notifications.domain.la_delivery import (
    MESH_ACKNOWLEDGED,
    MESH_UNDELIVERABLE,
    DeliveryState,
    LaDelivery,
    SendOutcome,
)
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, SubscriptionStatus
from pathfinder.notifications.domain.mesh_mailbox import MailboxRole, MeshMailbox
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.notifications.service_layer.la_subscriptions import SubscriptionRules
from pathfinder.notifications.service_layer.ports import ChildIdentity, ChildToIdentify, IdentityUnavailable
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork, SubmissionKey


@dataclass
class FakeStore:
    notifications: dict[UUID, EarlyYearsNotification] = field(default_factory=dict)
    keys: dict[str, SubmissionKey] = field(default_factory=dict)
    subscriptions: dict[UUID, LaSubscription] = field(default_factory=dict)
    deliveries: dict[int, LaDelivery] = field(default_factory=dict)
    mailboxes: dict[str, MeshMailbox] = field(default_factory=dict)
    events: list[ContractEvent] = field(default_factory=list)
    """Every event committed, in order: what the outbox would publish."""
    records: list[OutboxMessage] = field(default_factory=list)
    commits: int = 0

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def events_of(self, kind: type[ContractEvent]) -> list[ContractEvent]:
        return [event for event in self.events if isinstance(event, kind)]


class FakeEarlyYearsNotifications:
    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.seen: list[EarlyYearsNotification] = []
        self.written: dict[UUID, EarlyYearsNotification] = {}
        self.new_keys: dict[str, SubmissionKey] = {}
        self.add_many_calls = 0

    async def add(self, notification: EarlyYearsNotification) -> None:
        self.seen.append(notification)
        self.written[notification.id] = notification

    async def add_many(self, notifications: Sequence[EarlyYearsNotification]) -> None:
        self.add_many_calls += 1
        for notification in notifications:
            await self.add(notification)

    async def get(self, notification_id: UUID, *, lock: bool = False) -> EarlyYearsNotification | None:
        found = self.written.get(notification_id) or self._store.notifications.get(notification_id)
        return self._seen(copy.deepcopy(found)) if found is not None else None

    async def get_many(self, notification_ids: Sequence[UUID], *, lock: bool = False) -> list[EarlyYearsNotification]:
        found = [await self.get(notification_id) for notification_id in set(notification_ids)]
        return [notification for notification in found if notification is not None]

    async def save(self, notification: EarlyYearsNotification) -> None:
        self.written[notification.id] = notification

    async def save_many(self, notifications: Sequence[EarlyYearsNotification]) -> None:
        for notification in notifications:
            await self.save(notification)

    def continuing_request(self, notification: EarlyYearsNotification) -> AbstractContextManager[None]:
        return nullcontext()

    def child_of(self, notification: EarlyYearsNotification) -> ChildDemographics | None:
        assert not isinstance(notification.child, Sealed), "the fakes keep a child's details as sent"
        return notification.child

    async def claim_due_for_identity(self, now: datetime, *, limit: int, lease: timedelta) -> list[UUID]:
        due = sorted(
            (
                n
                for n in self._store.notifications.values()
                if n.status in AWAITING_IDENTITY and n.next_identity_attempt_at and n.next_identity_attempt_at <= now
            ),
            key=lambda n: n.next_identity_attempt_at or now,
        )[:limit]
        for notification in due:
            leased = copy.deepcopy(notification)
            leased.next_identity_attempt_at = now + lease
            self.written[leased.id] = leased
        return [notification.id for notification in due]

    async def held_for_review(self, review_id: UUID) -> list[EarlyYearsNotification]:
        return self._all(lambda n: n.review_id == review_id and n.status is NotificationStatus.AWAITING_IDENTITY_REVIEW)

    async def delivered_unacknowledged(self, delivered_by: datetime, *, limit: int) -> list[EarlyYearsNotification]:
        found = self._all(
            lambda n: (
                n.status is NotificationStatus.DELIVERED
                and n.delivered_at is not None
                and n.delivered_at <= delivered_by
            )
        )
        return sorted(found, key=lambda n: n.delivered_at or delivered_by)[:limit]

    async def sent_by(
        self,
        notifying_organisation: str,
        *,
        status: NotificationStatus | None,
        older_than: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[EarlyYearsNotification]:
        found = self._all(
            lambda n: (
                n.notifying_organisation == notifying_organisation
                and (status is None or n.status is status)
                and (older_than is None or (n.received_at, n.id) < older_than)
            )
        )
        return sorted(found, key=lambda n: (n.received_at, n.id), reverse=True)[:limit]

    async def held_naming(
        self, la_code: str, *, older_than: tuple[datetime, UUID] | None, limit: int
    ) -> list[EarlyYearsNotification]:
        found = self._all(
            lambda n: (
                n.named_la == la_code
                and n.awaits_identity
                and (older_than is None or (n.received_at, n.id) < older_than)
            )
        )
        return sorted(found, key=lambda n: (n.received_at, n.id), reverse=True)[:limit]

    async def submission_keys(self, keys: Sequence[str]) -> list[SubmissionKey]:
        return [self._store.keys[key] for key in keys if key in self._store.keys]

    async def add_submission_keys(self, keys: Sequence[SubmissionKey], at: datetime) -> bool:
        if any(key.key in self._store.keys or key.key in self.new_keys for key in keys):
            return False
        self.new_keys.update({key.key: key for key in keys})
        return True

    def _all(self, wanted: object) -> list[EarlyYearsNotification]:
        assert callable(wanted)
        current = {**self._store.notifications, **self.written}
        return [self._seen(copy.deepcopy(n)) for n in current.values() if wanted(n)]

    def _seen(self, notification: EarlyYearsNotification) -> EarlyYearsNotification:
        self.seen.append(notification)
        return notification


class FakeLaSubscriptions:
    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.seen: list[LaSubscription] = []
        self.written: dict[UUID, LaSubscription] = {}
        self.removed: set[UUID] = set()

    async def add(self, subscription: LaSubscription) -> bool:
        if subscription.channel is Channel.KAFKA and any(
            other.la_code == subscription.la_code and other.channel is Channel.KAFKA for other in self._current()
        ):
            return False
        self.written[subscription.id] = subscription
        return True

    async def get(self, subscription_id: UUID, *, lock: bool = False) -> LaSubscription | None:
        found = {subscription.id: subscription for subscription in self._current()}.get(subscription_id)
        return self._loaded(found) if found is not None else None

    async def of_la(self, la_code: str, *, lock: bool = False) -> list[LaSubscription]:
        found = [s for s in self._current() if s.la_code == la_code]
        return [self._loaded(s) for s in sorted(found, key=lambda s: (s.created_at, s.id))]

    async def save(self, subscription: LaSubscription) -> None:
        self.written[subscription.id] = subscription

    async def remove(self, subscription_id: UUID) -> None:
        self.removed.add(subscription_id)

    async def kafka_la_codes(self) -> list[str]:
        return sorted({s.la_code for s in self._current() if s.channel is Channel.KAFKA})

    async def claim_due_delivery(self, now: datetime, *, per_la: int) -> tuple[LaSubscription, LaDelivery] | None:
        """As the SQL claim: the LA claimed from longest ago (never first, then its oldest due delivery), then
        its endpoint claimed from longest ago, then the oldest due."""
        subscriptions = {s.id: s for s in self._current()}
        sending: dict[str, int] = {}
        turns: dict[str, datetime] = {}
        for subscription in subscriptions.values():
            sending[subscription.la_code] = sending.get(subscription.la_code, 0) + subscription.sending(now)
            claimed_at = subscription.last_claimed_at
            if claimed_at is not None:
                turns[subscription.la_code] = max(turns.get(subscription.la_code, claimed_at), claimed_at)

        def free(owner: LaSubscription | None) -> bool:
            return (
                owner is not None
                and owner.status is SubscriptionStatus.ACTIVE
                and owner.channel is not Channel.KAFKA
                and not owner.sending(now)
                and sending[owner.la_code] < per_la
            )

        due = [
            (owner, d)
            for d in self._store.deliveries.values()
            if d.state is DeliveryState.PENDING
            and d.next_attempt_at <= now
            and free(owner := subscriptions.get(d.subscription_id))
            and owner is not None
        ]
        oldest: dict[str, datetime] = {}
        for owner, delivery in due:
            oldest[owner.la_code] = min(oldest.get(owner.la_code, delivery.next_attempt_at), delivery.next_attempt_at)
        never = datetime.min.replace(tzinfo=now.tzinfo)

        def turn(
            candidate: tuple[LaSubscription, LaDelivery],
        ) -> tuple[datetime, datetime, str, datetime, datetime, int]:
            owner, delivery = candidate
            la_code = owner.la_code
            return (
                turns.get(la_code, never),
                oldest[la_code],
                la_code,
                owner.last_claimed_at or never,
                delivery.next_attempt_at,
                delivery.id or 0,
            )

        for owner, delivery in sorted(due, key=turn):
            if self._earlier_pending(delivery):
                continue
            subscription = self._loaded(owner)
            claimed = copy.deepcopy(delivery)
            subscription.deliveries.append(claimed)
            return subscription, claimed
        return None

    async def delivery(self, subscription: LaSubscription, delivery_id: int) -> LaDelivery | None:
        found = self._store.deliveries.get(delivery_id)
        if found is None or found.subscription_id != subscription.id:
            return None
        delivery = copy.deepcopy(found)
        subscription.deliveries.append(delivery)
        return delivery

    async def deliveries(
        self,
        subscription: LaSubscription,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        numbers: tuple[int, int] | None = None,
        limit: int = 1000,
    ) -> list[LaDelivery]:
        found = [
            copy.deepcopy(d)
            for d in sorted(self._store.deliveries.values(), key=lambda d: d.id or 0)
            if d.subscription_id == subscription.id
            and (since is None or d.created_at >= since)
            and (until is None or d.created_at < until)
            and (numbers is None or (d.event_number is not None and numbers[0] <= d.event_number <= numbers[1]))
        ][:limit]
        subscription.deliveries.extend(found)
        return found

    async def due_heartbeats(self, now: datetime, *, limit: int) -> list[LaSubscription]:
        return [self._loaded(s) for s in self._current() if s.heartbeat_due(now)][:limit]

    async def mesh_deliveries_to_track(
        self, checked_before: datetime, sent_since: datetime, *, limit: int
    ) -> list[tuple[LaSubscription, LaDelivery]]:
        never = datetime.min.replace(tzinfo=checked_before.tzinfo)
        due = sorted(
            (
                d
                for d in self._store.deliveries.values()
                if d.mesh_message_id is not None
                and d.mesh_status not in {MESH_ACKNOWLEDGED, *MESH_UNDELIVERABLE}
                and (d.mesh_checked_at is None or d.mesh_checked_at < checked_before)
                and d.delivered_at is not None
                and d.delivered_at >= sent_since
            ),
            key=lambda d: (d.mesh_checked_at or never, d.id or 0),
        )[:limit]
        owners = {s.id: s for s in self._current()}
        held: dict[UUID, LaSubscription] = {}
        found: list[tuple[LaSubscription, LaDelivery]] = []
        for delivery in due:
            subscription = held.setdefault(delivery.subscription_id, self._loaded(owners[delivery.subscription_id]))
            tracked = copy.deepcopy(delivery)
            subscription.deliveries.append(tracked)
            found.append((subscription, tracked))
        return found

    def _earlier_pending(self, delivery: LaDelivery) -> bool:
        return any(
            other.subscription_id == delivery.subscription_id
            and other.event.subject == delivery.event.subject
            and other.state is DeliveryState.PENDING
            and (other.id or 0) < (delivery.id or 0)
            for other in self._store.deliveries.values()
        )

    def _current(self) -> list[LaSubscription]:
        current = {**self._store.subscriptions, **self.written}
        return [s for s in current.values() if s.id not in self.removed]

    def _loaded(self, subscription: LaSubscription) -> LaSubscription:
        loaded = copy.deepcopy(subscription)
        loaded.deliveries, loaded.changed = [], False
        self.seen.append(loaded)
        return loaded


class FakeMeshMailboxes:
    def __init__(self, store: FakeStore) -> None:
        self.registered = dict(store.mailboxes)

    async def get(self, mailbox_id: str) -> MeshMailbox | None:
        return self.registered.get(mailbox_id)

    async def register(self, mailbox: MeshMailbox) -> None:
        self.registered[mailbox.mailbox_id] = mailbox

    async def of_role(self, role: MailboxRole) -> list[MeshMailbox]:
        return [mailbox for mailbox in self.registered.values() if mailbox.role is role]

    async def of_organisation(self, organisation: str) -> list[MeshMailbox]:
        return [mailbox for mailbox in self.registered.values() if mailbox.organisation == organisation]


class FakeUnitOfWork(NotificationsUnitOfWork):
    notifications: FakeEarlyYearsNotifications
    subscriptions: FakeLaSubscriptions
    mesh_mailboxes: FakeMeshMailboxes

    def __init__(self, store: FakeStore) -> None:
        super().__init__()
        self.store = store

    async def _begin(self) -> None:
        self.notifications = FakeEarlyYearsNotifications(self.store)
        self.subscriptions = FakeLaSubscriptions(self.store)
        self.mesh_mailboxes = FakeMeshMailboxes(self.store)
        self._staged: tuple[list[ContractEvent], list[OutboxMessage]] = ([], [])

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        self._staged[0].extend(events)
        self._staged[1].extend(messages)

    async def _commit(self) -> None:
        store = self.store
        for notification in self.notifications.written.values():
            store.notifications[notification.id] = _without_events(notification)
        store.keys.update(self.notifications.new_keys)
        store.mailboxes = dict(self.mesh_mailboxes.registered)
        for subscription in self.subscriptions.written.values():
            for delivery in subscription.deliveries:
                if delivery.id is None:
                    delivery.id = max(store.deliveries, default=0) + 1
                store.deliveries[delivery.id] = copy.deepcopy(delivery)
            store.subscriptions[subscription.id] = _without_deliveries(subscription)
        for removed in self.subscriptions.removed:
            store.subscriptions.pop(removed, None)
            for delivery_id in [d.id for d in store.deliveries.values() if d.subscription_id == removed]:
                store.deliveries.pop(delivery_id or 0, None)
        store.events.extend(self._staged[0])
        store.records.extend(self._staged[1])
        store.commits += 1
        await self._begin()

    async def _rollback(self) -> None:
        self._staged = ([], [])

    async def _close(self) -> None:
        return None

    def repositories(self) -> Iterable[FakeEarlyYearsNotifications]:
        return (self.notifications,)


def _without_events(notification: EarlyYearsNotification) -> EarlyYearsNotification:
    stored = copy.deepcopy(notification)
    stored.events = []
    return stored


def _without_deliveries(subscription: LaSubscription) -> LaSubscription:
    stored = copy.deepcopy(subscription)
    stored.deliveries, stored.changed = [], False
    return stored


@dataclass
class FakeIdentity:
    """Identity's ``$match``: ``match`` names ``person_id``, ``new-child`` a child of each request's own (the
    same on a retry), ``review`` holds for ``review_id``, ``unregistered-la`` refuses the record's LA, ``down`` is
    away. The child is held under ``holds_under`` if set, else under the LA the record named. ``postcode_las``:
    the LA of the child's postcode each request carried."""

    answer: str = "match"
    calls: list[str] = field(default_factory=list)
    person_id: UUID = field(default_factory=uuid4)
    review_id: UUID = field(default_factory=uuid4)
    holds_under: str | None = None
    postcode_las: list[str | None] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    """The size of each batch asked (``match_children``)."""

    async def match_child(
        self, child: ChildDemographics, *, responsible_la: str, request_id: str, postcode_la: str | None = None
    ) -> ChildIdentity:
        self.calls.append(request_id)
        self.postcode_las.append(postcode_la)
        held_under = self.holds_under or responsible_la
        if self.answer == "down":
            raise IdentityUnavailable("down")
        if self.answer == "unregistered-la":
            return ChildIdentity(refused=NotificationRejectionReason.RESPONSIBLE_LA_UNKNOWN)
        if self.answer == "review":
            return ChildIdentity(review_id=self.review_id, responsible_la=held_under)
        if self.answer == "new-child":
            return ChildIdentity(person_id=uuid5(NAMESPACE_URL, request_id), responsible_la=held_under)
        return ChildIdentity(person_id=self.person_id, responsible_la=held_under)

    async def match_children(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
        self.batches.append(len(children))
        if self.answer == "down":
            self.calls.extend(asked.request_id for asked in children)
            self.postcode_las.extend(asked.postcode_la for asked in children)
            raise IdentityUnavailable("down")
        return [
            await self.match_child(
                asked.child,
                responsible_la=asked.responsible_la,
                request_id=asked.request_id,
                postcode_la=asked.postcode_la,
            )
            for asked in children
        ]


@dataclass
class FakePostcodes:
    districts: dict[str, str] = field(default_factory=lambda: {"DL1": "841", "TS24": "805", "EX1": "878"})

    async def responsible_la(self, postcode: str) -> str | None:
        return self.districts.get("".join(postcode.split()).upper()[:-3])

    async def responsible_las(self, postcodes: Iterable[str]) -> dict[str, str | None]:
        return {postcode: await self.responsible_la(postcode) for postcode in postcodes}


@dataclass
class FakeLaEndpoints:
    """Answers every send with ``status`` (None: the endpoint cannot be reached) and remembers what was sent."""

    status: int | None = 204
    sent: list[tuple[UUID, UUID]] = field(default_factory=list)
    heartbeats: list[UUID] = field(default_factory=list)

    async def send(self, subscription: LaSubscription, delivery: LaDelivery) -> SendOutcome:
        self.sent.append((subscription.id, delivery.event.event_id))
        return self._outcome()

    async def send_heartbeat(self, subscription: LaSubscription) -> SendOutcome:
        self.heartbeats.append(subscription.id)
        return self._outcome()

    def _outcome(self) -> SendOutcome:
        if self.status is None:
            return SendOutcome(None, "ConnectError")
        return SendOutcome(self.status, None if 200 <= self.status < 300 else f"answered {self.status}")


@dataclass
class FakeDestinations:
    """Registration's destination check, answered without DNS: ``refused`` maps a host to why."""

    refused: dict[str, str] = field(default_factory=dict)

    async def refusal(self, endpoint: str, allowed_hosts: frozenset[str]) -> str | None:
        return next((f"{host}: {self.refused[host]}" for host in sorted(allowed_hosts) if host in self.refused), None)


def subscription_rules(
    *, max_per_la: int = 20, destinations: FakeDestinations | None = None, allow_loopback_http: bool = False
) -> SubscriptionRules:
    return SubscriptionRules(
        allow_loopback_http=allow_loopback_http, max_per_la=max_per_la, destinations=destinations or FakeDestinations()
    )
