"""What an LA receives, and one event's delivery to one LA subscription with its state machine.

An LA receives thin events: the CloudEvents envelope with pseudonymous data and a ``dataref`` link to the
details on the authorised API ("notify, then retrieve", as NHS England's MNS). An event replayed from the archive
(ADR 0011) is the same event, with its own id, carrying a ``replayid`` extension. A delivery goes:

    pending --sent--> delivered            (Kafka: delivered at once, the outbox writes the LA's topic)
       |  \\--failed, budget left--> pending, tried again after a jittered backoff
       \\---failed, budget spent--> parked  (the subscription pauses; the LA asks for it again)
    delivered | parked --redelivered--> pending

A dispatcher *claims* a pending delivery before sending it (its attempt counts from then, and a lease keeps other
dispatchers off it), sends it outside any transaction, then records the outcome only if its claim still holds.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.contracts.wire import REPLAY_EXTENSION

DATAREF_EXTENSION = "dataref"
DATAREF_HEADER = f"ce_{DATAREF_EXTENSION}"
REPLAY_HEADER = f"ce_{REPLAY_EXTENSION}"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
MESH_ACKNOWLEDGED = "acknowledged"
"""MESH's tracking status of a message its recipient downloaded and acknowledged."""
MESH_UNDELIVERABLE = frozenset({"undeliverable", "expired", "error"})
"""MESH's tracking statuses of a message its recipient will never have."""


@dataclass(frozen=True)
class LaEvent:
    """One event as delivered to an LA: its envelope's attributes and the record's headers and value."""

    event_id: UUID
    event_type: str
    subject: str
    """The child's pseudonymous person id: one child's events reach the LA in order."""
    time: datetime
    headers: tuple[tuple[str, bytes], ...]
    payload: bytes
    notification_id: UUID | None = None
    """The notification whose arrival at the LA a successful delivery proves (the Received event's)."""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value.decode()
        return None

    @property
    def link(self) -> str:
        return self.header(DATAREF_HEADER) or ""

    @property
    def replay_id(self) -> UUID | None:
        """The replay it was sent again in (ADR 0011), or None for its first delivery."""
        found = self.header(REPLAY_HEADER)
        return UUID(found) if found else None


@dataclass(frozen=True)
class PublicUrls:
    """Where LA systems reach each service's API: its public base URL, a gateway's path or the service itself."""

    notifications: str
    identity: str
    ehcp: str


def notification_url(urls: PublicUrls, notification_id: object) -> str:
    """A notification's status on the notifications API, as its sender and its LA read it."""
    return f"{urls.notifications.rstrip('/')}/fhir/early-years-notifications/{notification_id}"


def dataref(event: ContractEvent, urls: PublicUrls) -> str:
    """Where the LA fetches the details of ``event``; the API checks again that the LA may see them: a
    notification's status, the child in identity's person index (reads state a purpose), or the child's case."""
    notification_id = getattr(event, "notification_id", None)
    if notification_id is not None and event.producer == "notifications":
        return notification_url(urls, notification_id)
    person_id = getattr(event, "person_id", None)
    if event.producer == "identity":
        return f"{urls.identity.rstrip('/')}/persons/{person_id}?purpose=record-linkage"
    return f"{urls.ehcp.rstrip('/')}/children/{person_id}"


def reports_delivery_of(event: ContractEvent) -> UUID | None:
    """The notification whose arrival at the LA's system a successful delivery of ``event`` proves."""
    if isinstance(event, EarlyYearsNotificationReceived):
        return event.notification_id
    return None


def structured_event(
    *,
    event_id: UUID,
    source: str,
    event_type: str,
    time: datetime,
    subject: str,
    la_code: str,
    correlation_id: str,
    data: bytes,
    link: str,
    replay_id: UUID | None = None,
) -> bytes:
    """The event in CloudEvents JSON (structured mode), as a webhook body; a replay names its replay."""
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(event_id),
        "source": source,
        "type": event_type,
        "time": time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "lacode": la_code,
        "correlationid": correlation_id,
        DATAREF_EXTENSION: link,
        "datacontenttype": "application/json",
        "data": json.loads(data),
    }
    if replay_id is not None:
        document[REPLAY_EXTENSION] = str(replay_id)
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"  # out of retries: waits for the LA to ask for it again


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter: the wait before attempt n+1 is uniform in [0, min(cap, base*2^n)]."""

    initial_seconds: float
    max_seconds: float
    budget: int  # attempts before the delivery is parked and its subscription paused

    def delay_after(self, attempts: int, draw: Callable[[float, float], float] = random.uniform) -> float:
        ceiling = min(self.max_seconds, self.initial_seconds * 2 ** max(0, attempts - 1))
        return draw(0.0, ceiling)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.budget


@dataclass(frozen=True)
class SendOutcome:
    """What the LA's endpoint answered: a status, or why there was none; sent by MESH, the message's id
    (``reference``) and the platform mailbox it went from (``sender``)."""

    status: int | None
    error: str | None
    reference: str | None = None
    sender: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class LaDelivery:
    subscription_id: UUID
    event: LaEvent
    state: DeliveryState
    created_at: datetime
    next_attempt_at: datetime
    id: int | None = None
    """Given when first stored; deliveries of one child go out in the order of their ids."""
    event_number: int | None = None
    """Rest-hook only: the subscription's gap-free count of events, as the Subscriptions Backport numbers them."""
    attempts: int = 0
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    response_status: int | None = None
    last_error: str | None = None
    mesh_message_id: str | None = None
    """Sent by MESH: the message MESH gave it (the latest, if it was sent again), and the mailbox it went from."""
    mesh_sender: str | None = None
    mesh_status: str | None = None
    """What MESH's tracking last said of the message, lower case (``accepted``, ``acknowledged``...)."""
    mesh_checked_at: datetime | None = None
    changed: bool = field(default=False, compare=False)
    """Changed since it was loaded (a new delivery is stored whole)."""

    def claim(self, now: datetime, lease: timedelta) -> int:
        """Take the delivery for one attempt; returns the claim, which :meth:`record` must present."""
        if self.state is not DeliveryState.PENDING:
            raise ValueError(f"delivery {self.id} is {self.state}, not pending")
        self.attempts += 1
        self.last_attempt_at = now
        self.next_attempt_at = now + lease
        self.changed = True
        return self.attempts

    def holds(self, claim: int) -> bool:
        """The claim is still the latest (its lease did not run out and another dispatcher take it over)."""
        return self.state is DeliveryState.PENDING and self.attempts == claim

    def record(self, outcome: SendOutcome, now: datetime, policy: RetryPolicy) -> DeliveryState:
        """The outcome of the attempt claimed last: delivered, pending again after a backoff, or parked."""
        self.response_status, self.last_error = outcome.status, outcome.error
        self.changed = True
        if outcome.reference is not None:
            self.mesh_message_id, self.mesh_sender = outcome.reference, outcome.sender
            self.mesh_status = self.mesh_checked_at = None
        if outcome.delivered:
            self.state, self.delivered_at = DeliveryState.DELIVERED, now
        elif policy.exhausted(self.attempts):
            self.state = DeliveryState.PARKED
        else:
            self.next_attempt_at = now + timedelta(seconds=policy.delay_after(self.attempts))
        return self.state

    def sent_on_kafka(self, now: datetime) -> None:
        """The record for the LA's topic is committed with this delivery (the relay writes it at least once)."""
        self.state, self.delivered_at, self.last_attempt_at = DeliveryState.DELIVERED, now, now
        self.changed = True

    def mesh_checked(self, status: str | None, now: datetime) -> None:
        """MESH's tracking was asked (``status`` None: it is being asked now, so other trackers leave it)."""
        if status is not None:
            self.mesh_status = status.lower()[:20]
        self.mesh_checked_at, self.changed = now, True

    def queue_again(self, now: datetime) -> None:
        self.state, self.attempts, self.next_attempt_at, self.last_error = DeliveryState.PENDING, 0, now, None
        self.changed = True
