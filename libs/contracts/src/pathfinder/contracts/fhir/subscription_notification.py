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
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.systems import CANONICAL_BASE
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

BACKPORT_BASE: Final = "http://hl7.org/fhir/uv/subscriptions-backport"
NOTIFICATION_BUNDLE_PROFILE: Final = f"{BACKPORT_BASE}/StructureDefinition/backport-subscription-notification-r4"
SUBSCRIPTION_STATUS_PROFILE: Final = f"{BACKPORT_BASE}/StructureDefinition/backport-subscription-status-r4"
NOTIFICATION_EVENT_TYPE_EXTENSION: Final = f"{CANONICAL_BASE}/StructureDefinition/notification-event-type"

_EVENT_TYPE = re.compile(r"^pathfinder\.[a-z0-9-]+\.[a-z0-9-]+\.v[1-9][0-9]*$")
_EVENT_NUMBER = re.compile(r"^(0|[1-9][0-9]{0,17})$")
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


def read_subscription_notification(document: object) -> SubscriptionNotification:
    """A notification Bundle (parsed JSON) as the model; ``FhirInputRejected`` naming each problem otherwise."""
    bundle = parse_resource(document, Bundle)
    issues: list[OutcomeIssue] = []
    if bundle.type != "history":
        issues.append(_issue("Bundle.type", "A notification is a Bundle of type history"))
    status = bundle.entry[0].resource if bundle.entry else None
    if not isinstance(status, Parameters):
        first = "The first entry must be the subscription status Parameters"
        issues.append(_issue("Bundle.entry[0].resource", first, SpineErrorCode.INVALID_RESOURCE))
        raise FhirInputRejected(issues)
    parameters = _Parameters(status.parameter, f"{_STATUS}.parameter", issues)
    fields: dict[str, object] = {
        "bundle_id": bundle.id,
        "timestamp": bundle.timestamp,
        "subscription_url": _reference_url(parameters.value("subscription", "valueReference")),
        "topic_url": parameters.value("topic", "valueCanonical"),
        "status": parameters.value("status", "valueCode"),
        "notification_type": parameters.value("type", "valueCode"),
        "events_since_subscription_start": parameters.number("events-since-subscription-start"),
        "events": [_event(path, parameter, issues) for path, parameter in parameters.all("notification-event")],
    }
    if issues:
        raise FhirInputRejected(issues)
    try:
        return SubscriptionNotification.model_validate(fields)
    except ValidationError as error:
        details = error.errors(include_input=False, include_url=False)
        raise FhirInputRejected([_model_issue(detail) for detail in details]) from None


def missing_event_numbers(previous_last: int, notification: SubscriptionNotification) -> list[int]:
    """Event numbers a client has not seen, given the last one it had processed before this notification.

    Heartbeats and handshakes count too: their ``events-since-subscription-start`` shows events that never
    arrived. Fetch the missing ones with ``$events`` (``eventsSinceNumber``/``eventsUntilNumber``).
    """
    received = {event.event_number for event in notification.events}
    last = max([notification.events_since_subscription_start, *received])
    return [number for number in range(previous_last + 1, last + 1) if number not in received]


_STATUS = "Bundle.entry[0].resource"
_PARAMETER_OF_FIELD = {
    "subscription_url": "subscription",
    "topic_url": "topic",
    "status": "status",
    "notification_type": "type",
    "events_since_subscription_start": "events-since-subscription-start",
    "events": "notification-event",
}


def _issue(
    expression: str, diagnostics: str, spine_code: SpineErrorCode = SpineErrorCode.INVALID_VALUE
) -> OutcomeIssue:
    code = {SpineErrorCode.MISSING_VALUE: "required", SpineErrorCode.INVALID_VALUE: "value"}.get(spine_code, "invalid")
    return OutcomeIssue(code, diagnostics, spine_code, (expression,))


def _model_issue(detail: Any) -> OutcomeIssue:
    field = str(detail["loc"][0]) if detail["loc"] else ""
    reason = detail.get("ctx", {}).get("error") if detail["type"] == "value_error" else None
    diagnostics = str(reason or "Value does not have the expected format")
    if field in ("bundle_id", "timestamp"):
        return _issue("Bundle.id" if field == "bundle_id" else "Bundle.timestamp", diagnostics)
    name = _PARAMETER_OF_FIELD.get(field)
    return _issue(f"{_STATUS}.parameter", f"Parameter {name!r}: {diagnostics}" if name else diagnostics)


def _event(path: str, parameter: ParametersParameter, issues: list[OutcomeIssue]) -> dict[str, object]:
    parts = _Parameters(parameter.part, f"{path}.part", issues)
    event_types = [
        extension.valueCode
        for extension in parameter.extension or []
        if extension.url == NOTIFICATION_EVENT_TYPE_EXTENSION
    ]
    if len(event_types) != 1:
        issues.append(_issue(f"{path}.extension", f"Expected one extension {NOTIFICATION_EVENT_TYPE_EXTENSION}"))
    return {
        "event_number": parts.number("event-number"),
        "timestamp": parts.value("timestamp", "valueInstant"),
        "focus_url": _reference_url(parts.value("focus", "valueReference")),
        "event_type": event_types[0] if len(event_types) == 1 else None,
        "additional_context": [_reference_url(part.valueReference) for _, part in parts.all("additional-context")],
    }


def _reference_url(value: object) -> str | None:
    return value.reference if isinstance(value, Reference) else None


class _Parameters:
    """Named parameters (or parts) of a Parameters resource, collecting issues rather than stopping at one."""

    def __init__(self, parameters: list[ParametersParameter] | None, path: str, issues: list[OutcomeIssue]) -> None:
        self._parameters = parameters or []
        self._path = path
        self._issues = issues

    def all(self, name: str) -> list[tuple[str, ParametersParameter]]:
        return [
            (f"{self._path}[{index}]", parameter)
            for index, parameter in enumerate(self._parameters)
            if parameter.name == name
        ]

    def value(self, name: str, value_field: str) -> object:
        found = self.all(name)
        if len(found) != 1:
            spine_code = SpineErrorCode.TOO_MANY_VALUES_SUBMITTED if found else SpineErrorCode.MISSING_VALUE
            self._issues.append(_issue(self._path, f"Expected one {name!r}, found {len(found)}", spine_code))
            return None
        path, parameter = found[0]
        value = getattr(parameter, value_field)
        if value is None:
            self._issues.append(_issue(path, f"{name!r} needs {value_field}", SpineErrorCode.MISSING_VALUE))
        return value

    def number(self, name: str) -> int | None:
        value = self.value(name, "valueString")
        if value is None:
            return None
        if not isinstance(value, str) or not _EVENT_NUMBER.match(value):
            self._issues.append(_issue(self._path, f"{name!r} must be a whole number written as a string"))
            return None
        return int(value)
