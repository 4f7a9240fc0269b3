"""The JSON of dead letters, their redrive, consumer lag and the archive's end."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.event_history.domain.dead_letters import DeadLetter
from pathfinder.event_history.entrypoints.replay_views import SliceBody
from pathfinder.event_history.entrypoints.views import payload_view
from pathfinder.event_history.service_layer.dead_letters import DeadLetterPage, Redrive
from pathfinder.event_history.service_layer.ports import PartitionLag
from pydantic import BaseModel, ConfigDict, Field


class DeadLetterView(BaseModel):
    position: int = Field(description="The dead letter's place in the archive: what redrive and show take")
    group: str | None = Field(description="The consumer group that could not apply it")
    original_topic: str | None
    event_id: UUID = Field(description="The original event's id")
    type: str
    reason: str | None = Field(description="malformed | unknown-event-type | handler-failed")
    error: str | None
    attempts: int | None
    failed_at: datetime | None = Field(description="When it was dead-lettered")
    la_code: str | None
    person_id: UUID | None
    redriven_at: datetime | None = Field(description="When it was sent back to its group (null: not yet)")
    redriven_by: str | None


class DeadLetterPageView(BaseModel):
    dead_letters: list[DeadLetterView]
    next: int | None = Field(description="Give it as `after` for the next page; null on the last page")


class DeadLetterDetailView(DeadLetterView):
    topic: str
    partition: int
    offset: int
    record_time: datetime
    redrive_reason: str | None
    headers: dict[str, str] = Field(description="Every header of the record, as text")
    data: Any = Field(description="The record's value, parsed as JSON (null when it is not JSON)")
    value_base64: str | None = Field(description="The value as it came, when it is not JSON")


class RedriveFilter(SliceBody):
    group: str | None = Field(default=None, description="Only this consumer group's dead letters")


class RedriveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    positions: list[int] | None = Field(default=None, description="The dead letters chosen")
    filter: RedriveFilter | None = Field(default=None, description="Or every dead letter matching it")
    dry_run: bool = Field(default=False, description="Say what would be redriven, send nothing")


class RedrivenView(BaseModel):
    position: int
    group: str | None
    type: str
    event_id: UUID


class SkippedView(BaseModel):
    position: int
    why: str


class RedriveView(BaseModel):
    redriven: list[RedrivenView] = Field(description="Sent back (a dry run: would be)")
    skipped: list[SkippedView]


class PartitionLagView(BaseModel):
    group: str
    topic: str
    partition: int
    committed: int | None = Field(description="The group's committed offset (null: none; lag counts from 0)")
    end: int = Field(description="The partition's high watermark")
    lag: int


class LagView(BaseModel):
    partitions: list[PartitionLagView]


class ArchiveEndView(BaseModel):
    position: int = Field(description="The archive's last position (0 when empty): give it as `after` to follow")


def _attempts(text: str | None) -> int | None:
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _instant(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def dead_letter_view(letter: DeadLetter) -> DeadLetterView:
    record, redriven = letter.record, letter.redriven
    return DeadLetterView(
        position=letter.position, group=letter.group, original_topic=letter.detail("original_topic"),
        event_id=letter.original_event_id, type=record.event_type, reason=letter.detail("reason"),
        error=letter.detail("error"), attempts=_attempts(letter.detail("attempts")),
        failed_at=_instant(letter.detail("failed_at")) or record.record_time, la_code=record.la_code,
        person_id=record.person_id, redriven_at=redriven.at if redriven else None,
        redriven_by=redriven.by if redriven else None,
    )  # fmt: skip


def dead_letter_page_view(page: DeadLetterPage) -> DeadLetterPageView:
    return DeadLetterPageView(dead_letters=[dead_letter_view(one) for one in page.dead_letters], next=page.next)


def dead_letter_detail_view(letter: DeadLetter) -> DeadLetterDetailView:
    record = letter.record
    data, value_base64 = payload_view(record.payload)
    return DeadLetterDetailView(
        **dead_letter_view(letter).model_dump(), topic=record.topic, partition=record.partition,
        offset=record.offset, record_time=record.record_time,
        redrive_reason=letter.redriven.reason if letter.redriven else None, headers=record.header_texts(),
        data=data, value_base64=value_base64,
    )  # fmt: skip


def redrive_view(done: Redrive) -> RedriveView:
    return RedriveView(
        redriven=[RedrivenView(position=one.position, group=one.group, type=one.record.event_type,
                               event_id=one.original_event_id) for one in done.redriven],
        skipped=[SkippedView(position=position, why=why) for position, why in done.skipped],
    )  # fmt: skip


def lag_view(partitions: list[PartitionLag]) -> LagView:
    return LagView(
        partitions=[PartitionLagView(group=one.group, topic=one.topic, partition=one.partition,
                                     committed=one.committed, end=one.end, lag=one.lag) for one in partitions]
    )  # fmt: skip
