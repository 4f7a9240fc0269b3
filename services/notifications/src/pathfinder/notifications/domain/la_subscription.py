"""An LA's subscription to the events about the children it is responsible for: its terms, and the deliveries
it owns (:mod:`.la_delivery`).

An LA chooses which catalogued event types it wants (by default every one an LA may receive, now and as new ones
are catalogued: :data:`EVERY_EVENT_TYPE`) and one channel: its own Kafka topic, a signed HTTPS webhook, or a FHIR
rest-hook in the Subscriptions Backport shape. Whatever the channel, only events whose
responsible LA is the subscriber are ever delivered on it. A delivery that runs out of retries pauses the
subscription, so the LA's later events wait, in order, until it asks for them again.

The deliveries a subscription holds are those loaded or made in the current unit of work, never all of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from pathfinder.contracts.catalogue import current_event_classes
from pathfinder.notifications.domain.la_delivery import DeliveryState, LaDelivery, LaEvent, RetryPolicy, SendOutcome
from pathfinder.notifications.domain.sealed import Sealed

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
MAX_ACTIVE_SECRETS = 2  # the old and the new one while a receiver rolls its secret over
MIN_HEARTBEAT_SECONDS = 60
MAX_HEARTBEAT_SECONDS = 86_400
MAX_ENDPOINT_LENGTH = 2048
EVERY_EVENT_TYPE = "*"
"""Stored as the only event type: every type an LA may receive, including those catalogued later."""
_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{32,}={0,2}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_FORBIDDEN_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding", "connection"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


class Channel(StrEnum):
    KAFKA = "kafka"
    WEBHOOK = "webhook"
    FHIR_REST_HOOK = "fhir-rest-hook"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # its deliveries ran out of retries: later events queue until the LA asks to resume


class InvalidSubscription(ValueError):
    """The subscription breaks a rule; the message names the rule, never a secret."""


def deliverable_event_types() -> frozenset[str]:
    """Event types an LA may subscribe to: the current version of every event that may reach an LA."""
    return frozenset(cls.event_type for cls in current_event_classes() if cls.la_deliverable)


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
        )

    @property
    def numbers_events(self) -> bool:
        return self.channel is Channel.FHIR_REST_HOOK

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
            )
            if value is not None
        }
        if terms.endpoint is not None and terms.allowed_hosts is None:
            changes["allowed_hosts"] = frozenset()  # a new endpoint does not inherit the old host's allow-list
        return replace(self, **changes, deliveries=[], changed=True)  # type: ignore[arg-type]

    def deliver(self, event: LaEvent, now: datetime) -> LaDelivery:
        """A new delivery of ``event``: on Kafka delivered at once (the outbox writes the LA's topic), else
        pending for the dispatcher; a rest-hook subscription numbers it."""
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


def check_event_types(event_types: frozenset[str]) -> None:
    if not event_types:
        raise InvalidSubscription("subscribe to at least one event type, or leave event_types out for every one")
    if EVERY_EVENT_TYPE in event_types:
        if len(event_types) > 1:
            raise InvalidSubscription(f"'{EVERY_EVENT_TYPE}' (every event type) stands alone")
        return
    unknown = sorted(event_types - deliverable_event_types())
    if unknown:
        raise InvalidSubscription(f"not deliverable to an LA or not a current event type: {', '.join(unknown)}")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def check_scheme(endpoint: str, *, allow_loopback_http: bool) -> None:
    """https only; plain http only to this machine, and only where a development setting allows it."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and allow_loopback_http and (parts.hostname or "") in LOOPBACK_HOSTS:
        return
    raise InvalidSubscription("the endpoint must be an https URL")


def endpoint_host(endpoint: str) -> str:
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise InvalidSubscription(f"the endpoint must be at most {MAX_ENDPOINT_LENGTH} characters")
    if _CONTROL_OR_SPACE.search(endpoint):
        raise InvalidSubscription("the endpoint must not contain spaces or control characters (percent-encode them)")
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise InvalidSubscription("the endpoint is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidSubscription("the endpoint must be an absolute https URL")
    if parts.username or parts.password or parts.fragment:
        raise InvalidSubscription("the endpoint must not carry credentials or a fragment")
    return check_host(parts.hostname)


def check_host(host: str) -> str:
    name = host.lower().rstrip(".")
    if not _HOST.match(name):
        raise InvalidSubscription("a host must be a DNS name or an IP address")
    return name


def check_secrets(secrets: tuple[str | Sealed, ...]) -> None:
    if not 1 <= len(secrets) <= MAX_ACTIVE_SECRETS:
        raise InvalidSubscription(f"a webhook has one or {MAX_ACTIVE_SECRETS} active secrets")
    if not all(isinstance(secret, Sealed) or _SECRET.match(secret) for secret in secrets):
        raise InvalidSubscription("a secret is 'whsec_' followed by base64 of at least 24 random bytes")


def check_headers(headers: Mapping[str, str | Sealed]) -> None:
    for name, value in headers.items():
        if not _HEADER_NAME.match(name) or name.lower() in _FORBIDDEN_HEADERS:
            raise InvalidSubscription("a header name is not allowed")
        if isinstance(value, Sealed):
            continue  # checked before it was sealed
        if _CONTROL.search(value) or len(value) > 1024:
            raise InvalidSubscription("a header value is not allowed")
