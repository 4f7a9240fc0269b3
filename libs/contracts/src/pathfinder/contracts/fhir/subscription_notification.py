"""Platform events to LA systems as topic-based subscription notifications (FHIR R4, Subscriptions R5
Backport IG 1.1.0).

Shape, as the IG defines it for R4:
- http://hl7.org/fhir/uv/subscriptions-backport/STU1.1/notifications.html and
  .../STU1.1/StructureDefinition-backport-subscription-notification-r4.html : a ``history`` Bundle whose first
  entry is the subscription status, a ``Parameters`` resource, with an ``entry.request`` matching a ``$status``
  call (invariants bdl-3 and bdl-4).
- http://hl7.org/fhir/uv/subscriptions-backport/STU1.1/StructureDefinition-backport-subscription-status-r4.html :
  parameters ``subscription`` (valueReference), ``topic`` (valueCanonical), ``status`` and ``type`` (valueCode),
  ``events-since-subscription-start`` (valueString: an int64 has no R4 type) and one ``notification-event`` per
  event with parts ``event-number`` (valueString), ``timestamp`` (valueInstant), ``focus`` and
  ``additional-context`` (valueReference).
- http://hl7.org/fhir/uv/subscriptions-backport/STU1.1/payloads.html : ``id-only`` content, the only one sent
  here: each event carries a reference to its detail on the authorised API and nothing else ("notify, then
  retrieve"), so a notification holds no personal data and embeds no resource.
- http://hl7.org/fhir/uv/subscriptions-backport/STU1.1/errors.html : clients detect missed events from event
  numbers and ``events-since-subscription-start`` (see ``missing_event_numbers``) and recover through ``$events``.
- http://hl7.org/fhir/uv/subscriptions-backport/STU1.1/OperationDefinition-backport-subscription-events.html :
  ``$events`` returns the same notification Bundle; here with the type ``query-event``.

Beyond the IG, each ``notification-event`` carries the platform's versioned event type in the extension
``NOTIFICATION_EVENT_TYPE_EXTENSION`` (valueCode), so a client can route an event before retrieving it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any, Final, Self
from uuid import UUID

from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntryRequest, BundleEntryResponse
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.parameters import Parameters, ParametersParameter
from fhir.resources.R4B.reference import Reference
from pathfinder.contracts.fhir.systems import CANONICAL_BASE
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

BACKPORT_BASE: Final = "http://hl7.org/fhir/uv/subscriptions-backport"
NOTIFICATION_BUNDLE_PROFILE: Final = f"{BACKPORT_BASE}/StructureDefinition/backport-subscription-notification-r4"
SUBSCRIPTION_STATUS_PROFILE: Final = f"{BACKPORT_BASE}/StructureDefinition/backport-subscription-status-r4"
NOTIFICATION_EVENT_TYPE_EXTENSION: Final = f"{CANONICAL_BASE}/StructureDefinition/notification-event-type"

_EVENT_TYPE = re.compile(r"^pathfinder\.[a-z0-9-]+\.[a-z0-9-]+\.v[1-9][0-9]*$")
EVENT_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,17})$")
_MAX_NUMBER = 10**18 - 1  # within the int64 the IG writes as a string
_URL = re.compile(r"^https?://[^\s/]+(/\S*)?$")


class SubscriptionStatusCode(StrEnum):
    """The subscription's state when the notification was made (R4 value set subscription-status)."""

    REQUESTED = "requested"
    ACTIVE = "active"
    ERROR = "error"
    OFF = "off"


class NotificationType(StrEnum):
    """Why the notification was sent (value set subscription-notification-type)."""

    HANDSHAKE = "handshake"
    HEARTBEAT = "heartbeat"
    EVENT_NOTIFICATION = "event-notification"
    QUERY_STATUS = "query-status"
    QUERY_EVENT = "query-event"


_CARRIES_EVENTS = {NotificationType.EVENT_NOTIFICATION, NotificationType.QUERY_EVENT}


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError("Must be an absolute http(s) URL")
    return value


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Url = Annotated[str, AfterValidator(_url)]
Instant = Annotated[AwareDatetime, AfterValidator(_utc)]


class NotificationEvent(BaseModel):
    """One platform event as a subscriber sees it: its number, when it happened, and where to fetch it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_number: int = Field(ge=1, le=_MAX_NUMBER, description="Sequence number of the event in this subscription")
    timestamp: Instant = Field(description="Instant the event happened on the platform (UTC)")
    focus_url: Url = Field(description="Detail of the event on the authorised API")
    event_type: str = Field(pattern=_EVENT_TYPE.pattern, description="Versioned platform event type")
    additional_context: tuple[Url, ...] = Field(default=(), description="Further related records on the API")


class SubscriptionNotification(BaseModel):
    """A notification Bundle as a client reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bundle_id: UUID
    timestamp: Instant
    subscription_url: Url
    topic_url: Url
    status: SubscriptionStatusCode
    notification_type: NotificationType
    events_since_subscription_start: int = Field(
        ge=0, le=_MAX_NUMBER, description="Events so far, inclusive; handshakes and heartbeats are not counted"
    )
    events: tuple[NotificationEvent, ...] = ()

    @model_validator(mode="after")
    def _events_fit_type_and_count(self) -> Self:
        numbers = [event.event_number for event in self.events]
        if self.notification_type not in _CARRIES_EVENTS and numbers:
            raise ValueError(f"A {self.notification_type} notification carries no events")
        if self.notification_type is NotificationType.EVENT_NOTIFICATION and not numbers:
            raise ValueError("An event-notification carries at least one event")
        if any(later <= earlier for earlier, later in pairwise(numbers)):
            raise ValueError("Event numbers must increase")
        if numbers and numbers[-1] > self.events_since_subscription_start:
            raise ValueError("An event number exceeds events-since-subscription-start")
        return self


def subscription_notification_bundle(
    *,
    bundle_id: UUID,
    subscription_url: str,
    topic_url: str,
    status: SubscriptionStatusCode,
    notification_type: NotificationType,
    events_since_subscription_start: int,
    events: Sequence[NotificationEvent],
    timestamp: datetime,
) -> dict[str, Any]:
    """The notification Bundle (JSON) for a notification, heartbeat, handshake or ``$events`` answer.

    Raises ``ValueError`` (a pydantic ``ValidationError``) when the arguments break the IG's rules, e.g. events
    in a heartbeat or event numbers beyond ``events_since_subscription_start``.
    """
    notification = SubscriptionNotification(
        bundle_id=bundle_id,
        timestamp=timestamp,
        subscription_url=subscription_url,
        topic_url=topic_url,
        status=status,
        notification_type=notification_type,
        events_since_subscription_start=events_since_subscription_start,
        events=tuple(events),
    )
    return notification_bundle(notification)


def notification_bundle(notification: SubscriptionNotification) -> dict[str, Any]:
    """The notification Bundle (JSON) of an already validated notification."""
    status = Parameters(
        id=str(notification.bundle_id),
        meta=Meta(profile=[SUBSCRIPTION_STATUS_PROFILE]),
        parameter=[
            ParametersParameter(name="subscription", valueReference=Reference(reference=notification.subscription_url)),
            ParametersParameter(name="topic", valueCanonical=notification.topic_url),
            ParametersParameter(name="status", valueCode=notification.status.value),
            ParametersParameter(name="type", valueCode=notification.notification_type.value),
            ParametersParameter(
                name="events-since-subscription-start", valueString=str(notification.events_since_subscription_start)
            ),
            *(_notification_event(event) for event in notification.events),
        ],
    )
    bundle = Bundle(
        id=str(notification.bundle_id),
        meta=Meta(profile=[NOTIFICATION_BUNDLE_PROFILE]),
        type="history",
        timestamp=notification.timestamp,
        entry=[
            BundleEntry(
                fullUrl=f"urn:uuid:{notification.bundle_id}",
                resource=status,
                request=BundleEntryRequest(method="GET", url=f"{notification.subscription_url}/$status"),
                response=BundleEntryResponse(status="200"),
            )
        ],
    )
    document: dict[str, Any] = bundle.model_dump(mode="json")
    return document


def _notification_event(event: NotificationEvent) -> ParametersParameter:
    parts = [
        ParametersParameter(name="event-number", valueString=str(event.event_number)),
        ParametersParameter(name="timestamp", valueInstant=event.timestamp),
        ParametersParameter(name="focus", valueReference=Reference(reference=event.focus_url)),
        *(
            ParametersParameter(name="additional-context", valueReference=Reference(reference=url))
            for url in event.additional_context
        ),
    ]
    return ParametersParameter(
        name="notification-event",
        extension=[Extension(url=NOTIFICATION_EVENT_TYPE_EXTENSION, valueCode=event.event_type)],
        part=parts,
    )
