"""Reading a FHIR Subscriptions Backport notification Bundle that an LA system received, and finding gaps in
its event numbers."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters, ParametersParameter
from fhir.resources.R4B.reference import Reference
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.subscription_notification import (
    EVENT_NUMBER,
    NOTIFICATION_EVENT_TYPE_EXTENSION,
    SubscriptionNotification,
)
from pydantic import ValidationError


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
        if not isinstance(value, str) or not EVENT_NUMBER.match(value):
            self._issues.append(_issue(self._path, f"{name!r} must be a whole number written as a string"))
            return None
        return int(value)
