"""A Kafka record read for the archive: judged by the platform's own envelope rules (why it is not a readable
platform event, if it is not) and given the id the platform's consumers give it."""

from __future__ import annotations

import time
from typing import Any

from pathfinder.event_history.domain.archived_event import ArchivedEvent, RawRecord, archived
from pathfinder.messaging.delivery import Delivery
from pathfinder.messaging.envelope import EventEnvelope, MalformedEvent


def archived_record(record: Any) -> ArchivedEvent:
    """``record`` is an aiokafka ConsumerRecord (or anything with its attributes)."""
    headers = tuple(record.headers or ())
    try:
        EventEnvelope.from_record(headers, record.value)
        problem = None
    except MalformedEvent as error:
        problem = str(error)
    place = Delivery(
        topic=record.topic, partition=record.partition, offset=record.offset, key=record.key, headers=headers,
        value=record.value,
    )  # fmt: skip
    timestamp = record.timestamp if record.timestamp and record.timestamp > 0 else int(time.time() * 1000)
    raw = RawRecord(record.topic, record.partition, record.offset, timestamp, record.key, headers, record.value)
    return archived(raw, fallback_id=place.event_id, problem=problem)
