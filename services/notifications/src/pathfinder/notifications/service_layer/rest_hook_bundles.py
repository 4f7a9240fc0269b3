"""FHIR rest-hook notifications (R4 Subscriptions Backport, id-only): the Bundles sent to an LA's endpoint and
answered by ``$events`` and ``$status``. An event replayed from the archive (ADR 0011) is numbered as any other
and its ``notification-event`` carries the extension ``REPLAY_EXTENSION`` (valueUuid: the replay)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from pathfinder.contracts.fhir.subscription_notification import (
    NotificationEvent,
    NotificationType,
    SubscriptionStatusCode,
    subscription_notification_bundle,
)
from pathfinder.contracts.fhir.systems import CANONICAL_BASE
from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import LaSubscription, SubscriptionStatus

LA_EVENTS_TOPIC = f"{CANONICAL_BASE}/SubscriptionTopic/la-events"
REPLAY_EXTENSION = f"{CANONICAL_BASE}/StructureDefinition/notification-event-replay"


def subscription_url(subscription: LaSubscription, notifications_url: str) -> str:
    """The subscription as FHIR names it, on notifications' public base URL."""
    return f"{notifications_url.rstrip('/')}/fhir/Subscription/{subscription.id}"


def rest_hook_document(
    subscription: LaSubscription,
    notification_type: NotificationType,
    deliveries: Sequence[LaDelivery],
    notifications_url: str,
    now: datetime,
) -> dict[str, Any]:
    status = (
        SubscriptionStatusCode.ACTIVE
        if subscription.status is SubscriptionStatus.ACTIVE
        else SubscriptionStatusCode.ERROR
    )
    document = subscription_notification_bundle(
        bundle_id=uuid4(),
        subscription_url=subscription_url(subscription, notifications_url),
        topic_url=LA_EVENTS_TOPIC,
        status=status,
        notification_type=notification_type,
        events_since_subscription_start=subscription.events_since_start,
        events=[
            NotificationEvent(
                event_number=delivery.event_number,
                timestamp=delivery.event.time,
                focus_url=delivery.event.link,
                event_type=delivery.event.event_type,
            )
            for delivery in deliveries
        ],
        timestamp=now,
    )
    _mark_replays(document, deliveries)
    return document


def _mark_replays(document: dict[str, Any], deliveries: Sequence[LaDelivery]) -> None:
    """Each replayed event's ``notification-event`` names its replay (they are in the order of ``deliveries``)."""
    status = document["entry"][0]["resource"]
    events = [parameter for parameter in status["parameter"] if parameter["name"] == "notification-event"]
    for parameter, delivery in zip(events, deliveries, strict=True):
        if delivery.event.replay_id is not None:
            marker = {"url": REPLAY_EXTENSION, "valueUuid": delivery.event.replay_id.urn}
            parameter.setdefault("extension", []).append(marker)


def rest_hook_bundle(
    subscription: LaSubscription,
    notification_type: NotificationType,
    deliveries: Sequence[LaDelivery],
    notifications_url: str,
    now: datetime,
) -> bytes:
    document = rest_hook_document(subscription, notification_type, deliveries, notifications_url, now)
    return json.dumps(document, separators=(",", ":")).encode()
