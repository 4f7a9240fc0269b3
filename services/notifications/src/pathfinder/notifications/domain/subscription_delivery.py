"""What a delivery to an LA carries and when a failed one is tried again.

Events are thin: a delivery carries the CloudEvents envelope with the pseudonymous event data and a
``dataref`` link to the record on the authorised API ("notify, then retrieve").
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived

DATAREF_EXTENSION = "dataref"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"  # out of retries: waits for the LA to ask for it again


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


def reports_delivery_of_notification(event: ContractEvent) -> UUID | None:
    """The notification whose arrival at the LA's system a successful delivery of ``event`` proves."""
    if isinstance(event, EarlyYearsNotificationReceived):
        return event.notification_id
    return None


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
