"""The JSON the event history answers with."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.event_history.domain.archived_event import EventSummary
from pathfinder.event_history.domain.audit import AuditEntry
from pathfinder.event_history.service_layer.reading import EventPage, EventShown
from pydantic import BaseModel, Field


class EventSummaryView(BaseModel):
    position: int = Field(description="The event's place in the archive: its order, and the paging cursor")
    event_id: UUID = Field(description="ce_id (a dead-letter copy keeps its original's)")
    topic: str
    partition: int
    offset: int
    type: str = Field(description="ce_type, or `unreadable` for a record that names none")
    occurred_at: datetime | None = Field(description="ce_time: when the fact happened")
    record_time: datetime = Field(description="The record's time on the broker: what since/until compare")
    la_code: str | None = Field(description="ce_lacode: the only LA that may receive it")
    person_id: UUID | None = Field(description="ce_subject, for an event about a child: the child's person id")
    correlation_id: str | None


class EventPageView(BaseModel):
    events: list[EventSummaryView]
    next: int | None = Field(description="Give it as `after` for the next page; null on the last page")


class HistoryView(BaseModel):
    person_id: UUID
    index: int = Field(description="The event's place among the child's events you may read, 1 for the first")
    of: int
    before: list[EventSummaryView] = Field(description="Up to 5 events just before it, nearest last")
    after: list[EventSummaryView] = Field(description="Up to 5 events just after it, nearest first")


class EventView(EventSummaryView):
    source: str | None
    headers: dict[str, str] = Field(description="Every header of the record, as text")
    data: Any = Field(description="The record's value, parsed as JSON (null when it is not JSON)")
    value_base64: str | None = Field(description="The value as it came, when it is not JSON")
    problem: str | None = Field(description="Why the record is not a readable platform event, if it is not")
    also_on: list[str] = Field(description="Other topics the event id was kept on (its dead letters, its original)")
    history: HistoryView | None = Field(description="Its place in the child's history; null for no child")


class AuditEntryView(BaseModel):
    audit_id: int
    at: datetime
    subject: str
    organisation: str
    role: str
    action: str
    slice: dict[str, Any]
    reason: str | None
    outcome: str


class AuditView(BaseModel):
    entries: list[AuditEntryView]


def summary_view(event: EventSummary) -> EventSummaryView:
    return EventSummaryView(
        position=event.position, event_id=event.event_id, topic=event.topic, partition=event.partition,
        offset=event.offset, type=event.event_type, occurred_at=event.occurred_at, record_time=event.record_time,
        la_code=event.la_code, person_id=event.person_id, correlation_id=event.correlation_id,
    )  # fmt: skip


def page_view(page: EventPage) -> EventPageView:
    return EventPageView(events=[summary_view(event) for event in page.events], next=page.next)


def payload_view(payload: bytes) -> tuple[Any, str | None]:
    """A record's value as ``data`` (parsed JSON) and ``value_base64`` (the bytes, when it is not JSON)."""
    try:
        return json.loads(payload), None
    except ValueError:
        return None, base64.b64encode(payload).decode()


def event_view(shown: EventShown) -> EventView:
    event, history = shown.event, shown.history
    data, value_base64 = payload_view(event.payload)
    return EventView(
        **summary_view(event.summary()).model_dump(), source=event.source, headers=event.header_texts(), data=data,
        value_base64=value_base64, problem=event.problem, also_on=shown.also_on,
        history=None if history is None else HistoryView(
            person_id=history.person_id, index=history.index, of=history.of,
            before=[summary_view(one) for one in history.before], after=[summary_view(one) for one in history.after],
        ),
    )  # fmt: skip


def audit_view(entries: list[AuditEntry]) -> AuditView:
    return AuditView(
        entries=[
            AuditEntryView(
                audit_id=entry.audit_id or 0, at=entry.at, subject=entry.subject, organisation=entry.organisation,
                role=entry.role, action=entry.action, slice=dict(entry.slice), reason=entry.reason,
                outcome=entry.outcome,
            )
            for entry in entries
        ]
    )  # fmt: skip
