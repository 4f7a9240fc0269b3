"""An LA's subscription to the events about the children it is responsible for: its terms, and the deliveries
it owns (:mod:`.la_delivery`).

An LA chooses which catalogued event types it wants (by default every one an LA may receive, now and as new ones
are catalogued: :data:`EVERY_EVENT_TYPE`) and one channel: its own Kafka topic, a signed HTTPS webhook, a FHIR
rest-hook in the Subscriptions Backport shape, or its MESH mailbox (registered to it beforehand). Whatever the
channel, only events whose responsible LA is the subscriber are ever delivered on it. A delivery that runs out of
retries pauses the subscription, so the LA's later events wait, in order, until it asks for them again. The rules
each term must meet are in :mod:`.subscription_checks`.

The deliveries a subscription holds are those loaded or made in the current unit of work, never all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pathfinder.notifications.domain.la_delivery import DeliveryState, LaDelivery, LaEvent, RetryPolicy, SendOutcome
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.notifications.domain.subscription_checks import (
    EVERY_EVENT_TYPE,
    LOOPBACK_HOSTS,
    MAX_ACTIVE_SECRETS,
    MAX_ENDPOINT_LENGTH,
    MAX_HEARTBEAT_SECONDS,
    MIN_HEARTBEAT_SECONDS,
    SECRET_PREFIX,
    InvalidSubscription,
    check_event_types,
    check_headers,
    check_host,
    check_scheme,
    check_secrets,
    deliverable_event_types,
    endpoint_host,
    mesh_endpoint,
)

__all__ = [  # the rules' names, as they were imported from here before they had their own module
    "EVERY_EVENT_TYPE",
    "LOOPBACK_HOSTS",
    "MAX_ACTIVE_SECRETS",
    "MAX_ENDPOINT_LENGTH",
    "MAX_HEARTBEAT_SECONDS",
    "MIN_HEARTBEAT_SECONDS",
    "SECRET_PREFIX",
    "Channel",
    "InvalidSubscription",
    "LaSubscription",
    "MeshContent",
    "SubscriptionStatus",
    "SubscriptionTerms",
    "check_scheme",
    "deliverable_event_types",
    "la_topic",
]


class Channel(StrEnum):
    KAFKA = "kafka"
    WEBHOOK = "webhook"
    FHIR_REST_HOOK = "fhir-rest-hook"
    MESH = "mesh"


class MeshContent(StrEnum):
    """What each MESH message of a subscription carries."""

    CLOUDEVENTS = "cloudevents"  # the thin event, in CloudEvents JSON (structured mode), as a webhook's body
    FHIR_BUNDLE = "fhir-bundle"  # a FHIR Subscriptions Backport notification Bundle, numbered, as a rest-hook's


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # its deliveries ran out of retries: later events queue until the LA asks to resume


def la_topic(la_code: str) -> str:
    return f"pathfinder.la.{la_code}.events"


@dataclass(frozen=True)
class SubscriptionTerms:
    """What an LA asks for; a change leaves out (None) what it keeps."""

    event_types: frozenset[str] | None = None
    endpoint: str | None = None
    allowed_hosts: frozenset[str] | None = None
    secrets: tuple[str, ...] | None = None
    headers: Mapping[str, str] | None = None
    heartbeat_seconds: int | None = None
    mesh_content: MeshContent | None = None


@dataclass
class LaSubscription:
    id: UUID
    la_code: str
    channel: Channel
    event_types: frozenset[str]
    created_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    endpoint: str | None = None
    allowed_hosts: frozenset[str] = frozenset()
    # Plaintext as given by the LA until stored; Sealed once read back.
    secrets: tuple[str | Sealed, ...] = ()
    headers: Mapping[str, str | Sealed] = field(default_factory=dict)
    heartbeat_seconds: int | None = None
    mesh_content: MeshContent | None = None
    """MESH only (its endpoint is the LA's mailbox id): what each message carries."""
    events_since_start: int = 0
    paused_at: datetime | None = None
    last_sent_at: datetime | None = None
    # One delivery in flight per endpoint, until its lease ends; the LA and endpoint claimed longest ago go next.
    sending_until: datetime | None = None
    last_claimed_at: datetime | None = None
    deliveries: list[LaDelivery] = field(default_factory=list, repr=False, compare=False)
    changed: bool = field(default=False, compare=False)
    """Its own fields changed since it was loaded (its deliveries track their own changes)."""

    def __post_init__(self) -> None:
        check_event_types(self.event_types)
        if self.channel is Channel.MESH:
            self._check_mesh()
            return
        if self.mesh_content is not None:
            raise InvalidSubscription("only a mesh subscription has mesh_content")
        if self.channel is Channel.KAFKA:
            if self.endpoint or self.secrets or self.headers or self.heartbeat_seconds:
                raise InvalidSubscription("a kafka subscription has no endpoint, secrets, headers or heartbeat")
            return
        if self.endpoint is None:
            raise InvalidSubscription(f"a {self.channel} subscription needs an endpoint")
        host = endpoint_host(self.endpoint)
        self.allowed_hosts = frozenset({host, *(check_host(name) for name in self.allowed_hosts)})
        if self.channel is Channel.WEBHOOK:
            check_secrets(self.secrets)
            if self.headers or self.heartbeat_seconds:
                raise InvalidSubscription("a webhook subscription has no custom headers or heartbeat")
        else:
            if self.secrets:
                raise InvalidSubscription("a fhir-rest-hook subscription carries headers, not signing secrets")
            check_headers(self.headers)
            if self.heartbeat_seconds is not None and not (
                MIN_HEARTBEAT_SECONDS <= self.heartbeat_seconds <= MAX_HEARTBEAT_SECONDS
            ):
                raise InvalidSubscription(
                    f"heartbeat_seconds must be from {MIN_HEARTBEAT_SECONDS} to {MAX_HEARTBEAT_SECONDS} (a day)"
                )

    def _check_mesh(self) -> None:
        if self.endpoint is None:
            raise InvalidSubscription("a mesh subscription needs the LA's MESH mailbox id as its endpoint")
        if self.allowed_hosts or self.secrets or self.headers or self.heartbeat_seconds:
            raise InvalidSubscription("a mesh subscription has no allowed hosts, secrets, headers or heartbeat")
        self.endpoint = mesh_endpoint(self.endpoint)
        self.mesh_content = MeshContent(self.mesh_content or MeshContent.CLOUDEVENTS)

    @classmethod
    def subscribe(
        cls, subscription_id: UUID, la_code: str, channel: Channel, terms: SubscriptionTerms, now: datetime
    ) -> LaSubscription:
        return cls(
            id=subscription_id,
            la_code=la_code,
            channel=channel,
            event_types=frozenset({EVERY_EVENT_TYPE}) if terms.event_types is None else terms.event_types,
            created_at=now,
            endpoint=terms.endpoint,
            allowed_hosts=terms.allowed_hosts or frozenset(),
            secrets=terms.secrets or (),
            headers=dict(terms.headers or {}),
            heartbeat_seconds=terms.heartbeat_seconds,
            mesh_content=terms.mesh_content,
        )

    @property
    def numbers_events(self) -> bool:
        """A rest-hook, and a MESH subscription sending Backport bundles, count their events gap-free."""
        return self.channel is Channel.FHIR_REST_HOOK or self.mesh_content is MeshContent.FHIR_BUNDLE

    @property
    def every_event_type(self) -> bool:
        return EVERY_EVENT_TYPE in self.event_types

    def wants(self, event_type: str) -> bool:
        return self.every_event_type or event_type in self.event_types

    def changed_to(self, terms: SubscriptionTerms) -> LaSubscription:
        """The subscription with ``terms`` applied, checked as a new one would be."""
        changes: dict[str, object] = {
            name: value
            for name, value in (
                ("event_types", terms.event_types),
                ("endpoint", terms.endpoint),
                ("allowed_hosts", terms.allowed_hosts),
                ("secrets", terms.secrets),
                ("headers", terms.headers),
                ("heartbeat_seconds", terms.heartbeat_seconds),
                ("mesh_content", terms.mesh_content),
            )
            if value is not None
        }
        if terms.endpoint is not None and terms.allowed_hosts is None:
            changes["allowed_hosts"] = frozenset()  # a new endpoint does not inherit the old host's allow-list
        return replace(self, **changes, deliveries=[], changed=True)  # type: ignore[arg-type]

    def deliver(self, event: LaEvent, now: datetime) -> LaDelivery:
        """A new delivery of ``event``: on Kafka delivered at once (the outbox writes the LA's topic), else
        pending for the dispatcher; a rest-hook subscription (or MESH with Backport bundles) numbers it."""
        delivery = LaDelivery(
            subscription_id=self.id, event=event, state=DeliveryState.PENDING, created_at=now, next_attempt_at=now
        )
        if self.numbers_events:
            self.events_since_start += 1
            delivery.event_number = self.events_since_start
            self.changed = True
        if self.channel is Channel.KAFKA:
            delivery.sent_on_kafka(now)
        self.deliveries.append(delivery)
        return delivery

    def sending(self, now: datetime) -> bool:
        return self.sending_until is not None and self.sending_until > now

    def claim(self, delivery: LaDelivery, now: datetime, lease: timedelta) -> int:
        """Take ``delivery`` for one attempt: the endpoint is busy until its outcome or the lease's end."""
        claim = delivery.claim(now, lease)
        self.sending_until, self.last_claimed_at, self.changed = delivery.next_attempt_at, now, True
        return claim

    def record_outcome(
        self, delivery: LaDelivery, outcome: SendOutcome, now: datetime, policy: RetryPolicy
    ) -> DeliveryState:
        if self.sending_until == delivery.next_attempt_at:  # the endpoint's claim is this attempt's, not a later one
            self.sending_until, self.changed = None, True
        state = delivery.record(outcome, now, policy)
        if state is DeliveryState.DELIVERED:
            self.sent(now)
        elif state is DeliveryState.PARKED:
            self.status, self.paused_at, self.changed = SubscriptionStatus.PAUSED, now, True
        return state

    def sent(self, now: datetime) -> None:
        """Something (an event, a heartbeat) went to the endpoint: the heartbeat period starts again."""
        self.last_sent_at, self.changed = now, True

    def heartbeat_due(self, now: datetime) -> bool:
        if self.channel is not Channel.FHIR_REST_HOOK or self.heartbeat_seconds is None:
            return False
        if self.status is not SubscriptionStatus.ACTIVE:
            return False
        return (self.last_sent_at or self.created_at) + timedelta(seconds=self.heartbeat_seconds) <= now

    def resume(self) -> None:
        self.status, self.paused_at, self.changed = SubscriptionStatus.ACTIVE, None, True

    def redeliver(self, deliveries: list[LaDelivery], now: datetime) -> list[LaDelivery]:
        """Queue ``deliveries`` again and resume; on Kafka they are written to the LA's topic again at once.
        Receivers see the same event id again and deduplicate; rest-hook events keep their numbers."""
        for delivery in deliveries:
            if self.channel is Channel.KAFKA:
                delivery.sent_on_kafka(now)
            else:
                delivery.queue_again(now)
        if self.channel is not Channel.KAFKA:
            self.resume()
        self.deliveries.extend(deliveries)
        return deliveries
