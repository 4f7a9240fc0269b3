"""What an LA receives: a thin event (the CloudEvents envelope with pseudonymous data) and a ``dataref`` link to
the details on the authorised API ("notify, then retrieve", as NHS England's MNS)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived

DATAREF_EXTENSION = "dataref"
DATAREF_HEADER = f"ce_{DATAREF_EXTENSION}"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"


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


def dataref(event: ContractEvent, api_base_url: str) -> str:
    """Where the LA fetches the details of ``event``; the API checks again that the LA may see them. Behind the
    platform's gateway each service's API has its own path prefix (``/notifications``, ``/identity``, ``/ehcp``)."""
    base = api_base_url.rstrip("/")
    notification_id = getattr(event, "notification_id", None)
    if notification_id is not None and event.producer == "notifications":
        return f"{base}/notifications/fhir/early-years-notifications/{notification_id}"
    person_id = getattr(event, "person_id", None)
    if event.producer == "identity":
        return f"{base}/identity/persons/{person_id}"
    return f"{base}/ehcp/children/{person_id}"


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
) -> bytes:
    """The event in CloudEvents JSON (structured mode), as a webhook body."""
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
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
