"""An event as the archive keeps it: the record as it came (key, headers, value, where it was on the broker) and
the attributes it is searched by, read from its CloudEvents headers as far as they can be read.

A record that is not a readable platform event is kept too, with what could be read of it and why it is not one
(``problem``): the archive is the evidence of what travelled, malformed records included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple
from uuid import UUID

from pathfinder.contracts.catalogue import versions_of
from pathfinder.contracts.wire import CORRELATION_EXTENSION, DEAD_LETTER_PREFIX, LA_CODE_EXTENSION
from pathfinder.event_history.domain.topics import is_dead_letter_topic

UNREADABLE = "unreadable"
"""The event type of a record that names none."""

Headers = tuple[tuple[str, bytes], ...]
_LA_CODE = re.compile(r"[0-9]{3}")


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A Kafka record as the broker gave it."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    headers: Headers
    value: bytes | None


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What a search answers with for each event: where it is, what it is, and whom it concerns."""

    position: int
    event_id: UUID
    topic: str
    partition: int
    offset: int
    event_type: str
    occurred_at: datetime | None
    record_time: datetime
    la_code: str | None
    person_id: UUID | None
    correlation_id: str | None

    @property
    def is_dead_letter(self) -> bool:
        return is_dead_letter_topic(self.topic)


class ArchivedRecord(NamedTuple):
    """What a replay sends again of an archived event: the record as it travelled, and its place in the archive.
    A tuple, as a replay reads hundreds of thousands of them a minute."""

    position: int
    topic: str
    partition: int
    key: bytes | None
    headers: Sequence[tuple[str, bytes]]
    payload: bytes


@dataclass(frozen=True, slots=True)
class ArchivedEvent:
    """One record of one topic. ``position`` is the archive's order, given when the archive took it in."""

    event_id: UUID
    topic: str
    partition: int
    offset: int
    record_time: datetime
    occurred_at: datetime | None  # ce_time: when the fact happened
    event_type: str
    source: str | None
    la_code: str | None  # ce_lacode: the only LA that may receive it
    person_id: UUID | None  # ce_subject, for the events whose subject is a child
    correlation_id: str | None
    key: bytes | None
    headers: Headers
    payload: bytes
    problem: str | None = None  # why it is not a readable platform event
    position: int | None = None

    @property
    def is_dead_letter(self) -> bool:
        return is_dead_letter_topic(self.topic)

    @property
    def copy(self) -> str:
        """Which record of the event on its topic this is: the archive keeps each once per (event id, topic, copy).
        A dead letter's is when it was dead-lettered, so an event dead-lettered again after a redrive is kept
        again; a platform topic's record has ''."""
        if not self.is_dead_letter:
            return ""
        return (self.header_texts().get(f"{DEAD_LETTER_PREFIX}failed_at") or "")[:64]

    def record(self) -> ArchivedRecord:
        if self.position is None:
            raise ValueError("an event has no position until the archive took it in")
        return ArchivedRecord(self.position, self.topic, self.partition, self.key, self.headers, self.payload)

    def summary(self) -> EventSummary:
        if self.position is None:
            raise ValueError("an event has no position until the archive took it in")
        return EventSummary(
            position=self.position, event_id=self.event_id, topic=self.topic, partition=self.partition,
            offset=self.offset, event_type=self.event_type, occurred_at=self.occurred_at,
            record_time=self.record_time, la_code=self.la_code, person_id=self.person_id,
            correlation_id=self.correlation_id,
        )  # fmt: skip

    def header_texts(self) -> dict[str, str]:
        """Each header as text (undecodable bytes replaced)."""
        return {name: value.decode("utf-8", errors="replace") for name, value in self.headers}


def archived(record: RawRecord, *, fallback_id: UUID, problem: str | None) -> ArchivedEvent:
    """What the archive keeps of ``record``. Its id is ``ce_id``; a dead letter of a record that had none carries
    the id its consumer gave it; failing both, ``fallback_id`` (the id the platform's consumers give such a
    record), so that an unreadable record and its dead letter are still found together."""
    found = _readable_headers(record.headers)
    event_type = found.get("ce_type") or UNREADABLE
    problems = [problem] if problem else []
    if record.value is None:
        problems.append("the record has no value")
    return ArchivedEvent(
        event_id=(
            _uuid(found.get("ce_id")) or _uuid(found.get(f"{DEAD_LETTER_PREFIX}original_event_id")) or fallback_id
        ),
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        record_time=datetime.fromtimestamp(record.timestamp_ms / 1000, tz=UTC),
        occurred_at=_instant(found.get("ce_time")),
        event_type=event_type[:200],
        source=found.get("ce_source"),
        la_code=_la_code(found.get(f"ce_{LA_CODE_EXTENSION}")),
        person_id=_uuid(found.get("ce_subject")) if subject_is_a_person(event_type) else None,
        correlation_id=(found.get(f"ce_{CORRELATION_EXTENSION}") or None),
        key=record.key,
        headers=tuple(record.headers),
        payload=record.value or b"",
        problem="; ".join(problems) or None,
    )


def subject_is_a_person(event_type: str) -> bool:
    """Whether events of this type are about one child, keyed by the child's person id: any known version of the
    event says so (a version newer than this service knows is judged by its elders)."""
    family = event_type.rsplit(".", 1)[0]
    return any(cls.key_field == "person_id" for cls in versions_of(family))


def archive_id_of(headers: Sequence[tuple[str, bytes]]) -> UUID | None:
    """The id the archive keeps a record under, from its headers alone (None: only its place on the broker can
    name it)."""
    found = _readable_headers(headers)
    return _uuid(found.get("ce_id")) or _uuid(found.get(f"{DEAD_LETTER_PREFIX}original_event_id"))


def _readable_headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    readable: dict[str, str] = {}
    for name, value in headers:
        try:
            readable.setdefault(name, value.decode("utf-8"))
        except UnicodeDecodeError:
            continue
    return readable


def _uuid(text: str | None) -> UUID | None:
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        return None


def _instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _la_code(text: str | None) -> str | None:
    # Only a well-formed code: an LA must never be shown a record on the strength of a header it cannot be.
    return text if text is not None and _LA_CODE.fullmatch(text) else None
