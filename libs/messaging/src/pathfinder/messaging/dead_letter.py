"""Dead-letter records: the original record, with where it came from and why it could not be applied.

A dead-letter record is written through the consuming service's own outbox, in the transaction that marks
the event dead-lettered in its inbox. It is therefore as durable as any other event: a broker that loses its
log gets it published again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from pathfinder.contracts.wire import DEAD_LETTER_PREFIX as DLT_PREFIX
from pathfinder.contracts.wire import EPOCH_HEADER, SEQUENCE_EXTENSION, dead_letter_topic
from pathfinder.messaging.delivery import DeadLetterReason, Delivery
from pathfinder.messaging.outbox import OutboxMessage

__all__ = ["DLT_PREFIX", "dead_letter_message", "dead_letter_topic"]
_RELAY_HEADERS = {EPOCH_HEADER, f"ce_{SEQUENCE_EXTENSION}"}


def dead_letter_message(
    delivery: Delivery, *, consumer_group: str, reason: DeadLetterReason, error: str, attempts: int
) -> OutboxMessage:
    original = [(name, value) for name, value in delivery.headers if name not in _RELAY_HEADERS]
    details = {
        "original_topic": delivery.topic,
        "original_partition": str(delivery.partition),
        "original_offset": str(delivery.offset),
        "original_event_id": str(delivery.event_id),
        "consumer_group": consumer_group,
        "reason": reason.value,
        "error": error[:1000],
        "attempts": str(attempts),
        "failed_at": datetime.now(UTC).isoformat(),
    }
    headers = original + [(DLT_PREFIX + name, value.encode()) for name, value in details.items()]
    key = delivery.key.decode("utf-8", errors="replace") if delivery.key else str(delivery.event_id)
    return OutboxMessage(
        event_id=uuid4(),
        topic=dead_letter_topic(consumer_group),
        key=key,
        event_type=delivery.event_type,
        headers=headers,
        payload=delivery.value or b"",
    )
