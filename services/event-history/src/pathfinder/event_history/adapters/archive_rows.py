"""How the archive's rows read as events, and a slice as SQL conditions on them."""

from __future__ import annotations

from typing import Any

from pathfinder.event_history.adapters.tables import archived_event
from pathfinder.event_history.domain.archived_event import ArchivedEvent, EventSummary
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.messaging.outbox_message import decode_headers, encode_headers
from sqlalchemy import ColumnElement, Row

_c = archived_event.c
SUMMARY = (
    _c.position, _c.event_id, _c.topic, _c.partition, _c.offset, _c.event_type, _c.occurred_at, _c.record_time,
    _c.la_code, _c.person_id, _c.correlation_id,
)  # fmt: skip


def conditions(wanted: EventSlice) -> list[ColumnElement[bool]]:
    """The slice as SQL conditions on ``archived_event``."""
    found: list[ColumnElement[bool]] = []
    if wanted.since is not None:
        found.append(_c.record_time >= wanted.since)
    if wanted.until is not None:
        found.append(_c.record_time < wanted.until)
    if wanted.event_types:
        found.append(_c.event_type.in_(wanted.event_types))
    if wanted.la_code is not None:
        found.append(_c.la_code == wanted.la_code)
    if wanted.person_id is not None:
        found.append(_c.person_id == wanted.person_id)
    if wanted.correlation_id is not None:
        found.append(_c.correlation_id == wanted.correlation_id)
    if wanted.topic is not None:
        found.append(_c.topic == wanted.topic)
    return found


def summary_of(row: Row[Any] | Any) -> EventSummary:
    return EventSummary(**{column.name: row._mapping[column.name] for column in SUMMARY})


def event_of(row: Row[Any]) -> ArchivedEvent:
    values = row._mapping
    return ArchivedEvent(
        event_id=values["event_id"], topic=values["topic"], partition=values["partition"], offset=values["offset"],
        record_time=values["record_time"], occurred_at=values["occurred_at"], event_type=values["event_type"],
        source=values["source"], la_code=values["la_code"], person_id=values["person_id"],
        correlation_id=values["correlation_id"], key=values["key"], headers=tuple(decode_headers(values["headers"])),
        payload=values["payload"], problem=values["problem"], position=values["position"],
    )  # fmt: skip


def row_of(event: ArchivedEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id, "topic": event.topic, "partition": event.partition, "offset": event.offset,
        "record_time": event.record_time, "occurred_at": event.occurred_at, "event_type": event.event_type,
        "source": event.source, "la_code": event.la_code, "person_id": event.person_id,
        "correlation_id": event.correlation_id, "key": event.key, "headers": encode_headers(list(event.headers)),
        "payload": event.payload, "problem": event.problem, "copy": event.copy,
    }  # fmt: skip
