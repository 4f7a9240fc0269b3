"""An LA delivery as a row of ``la_delivery`` and back: what a repository writes of its progress, and reads."""

from __future__ import annotations

from typing import Any

from pathfinder.messaging.outbox_message import decode_headers
from pathfinder.notifications.domain.la_delivery import DeliveryState, LaDelivery, LaEvent
from sqlalchemy import Row


def delivery_progress(delivery: LaDelivery) -> dict[str, Any]:
    return {
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "delivered_at": delivery.delivered_at,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "mesh_message_id": delivery.mesh_message_id,
        "mesh_sender": delivery.mesh_sender,
        "mesh_status": delivery.mesh_status,
        "mesh_checked_at": delivery.mesh_checked_at,
    }


def delivery_of(row: Row[Any]) -> LaDelivery:
    return LaDelivery(
        id=row.id,
        subscription_id=row.subscription_id,
        event=LaEvent(
            event_id=row.event_id,
            event_type=row.event_type,
            subject=row.subject,
            time=row.event_time,
            headers=tuple(decode_headers(row.headers)),
            payload=row.payload,
            notification_id=row.notification_id,
        ),
        state=DeliveryState(row.state),
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        event_number=row.event_number,
        attempts=row.attempts,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        response_status=row.response_status,
        last_error=row.last_error,
        mesh_message_id=row.mesh_message_id,
        mesh_sender=row.mesh_sender,
        mesh_status=row.mesh_status,
        mesh_checked_at=row.mesh_checked_at,
    )
