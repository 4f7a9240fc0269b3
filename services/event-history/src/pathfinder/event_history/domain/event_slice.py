"""A slice of the archive: a time range, event types, an LA, a person, a correlation id, a topic; and a query's
text read into one, every value checked, so that whatever a caller sends is refused with a reason or understood.

Times are the records' times on the broker (when each was published), the same time Kafka looks offsets up by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.event_history.domain.archived_event import EventSummary
from pathfinder.event_history.domain.refusals import InvalidQuery

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_TYPES = 20
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,200}")  # event types and correlation ids (as the web layer accepts them)
_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")  # Kafka's legal topic names
_LA_CODE = re.compile(r"[0-9]{3}")


@dataclass(frozen=True)
class EventSlice:
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    event_types: tuple[str, ...] = ()  # any of them
    la_code: str | None = None
    person_id: UUID | None = None
    correlation_id: str | None = None
    topic: str | None = None

    def __post_init__(self) -> None:
        for name, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and moment.tzinfo is None:
                raise InvalidQuery(f"{name} needs a UTC offset, e.g. 2026-12-01T00:00:00Z")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise InvalidQuery("since must be before until")
        if len(self.event_types) > MAX_TYPES:
            raise InvalidQuery(f"ask for at most {MAX_TYPES} event types")
        for event_type in self.event_types:
            if not _TOKEN.fullmatch(event_type):
                raise InvalidQuery("an event type is letters, digits and . _ : - (e.g. pathfinder.ehcp.plan-ceased.v1)")
        if self.la_code is not None and not _LA_CODE.fullmatch(self.la_code):
            raise InvalidQuery("la is a DfE LA code: three digits, e.g. 841")
        if self.correlation_id is not None and not _TOKEN.fullmatch(self.correlation_id):
            raise InvalidQuery("correlation_id is letters, digits and . _ : - only, at most 200")
        if self.topic is not None and not _TOPIC.fullmatch(self.topic):
            raise InvalidQuery("topic is a Kafka topic name: letters, digits and . _ - only")

    def for_la(self, la_code: str) -> EventSlice:
        return replace(self, la_code=la_code)

    def matches(self, event: EventSummary) -> bool:
        return (
            (self.since is None or event.record_time >= self.since)
            and (self.until is None or event.record_time < self.until)
            and (not self.event_types or event.event_type in self.event_types)
            and (self.la_code is None or event.la_code == self.la_code)
            and (self.person_id is None or event.person_id == self.person_id)
            and (self.correlation_id is None or event.correlation_id == self.correlation_id)
            and (self.topic is None or event.topic == self.topic)
        )

    def as_json(self) -> dict[str, Any]:
        """The slice as its audit row keeps it (only what it constrains)."""
        found: dict[str, Any] = {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "event_types": list(self.event_types) or None,
            "la": self.la_code,
            "person": str(self.person_id) if self.person_id else None,
            "correlation_id": self.correlation_id,
            "topic": self.topic,
        }
        return {name: value for name, value in found.items() if value is not None}


@dataclass(frozen=True)
class PageRequest:
    after: int | None = None  # the position of the last event of the previous page
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class SliceQuery:
    """A search as it was asked: text, not yet understood."""

    types: tuple[str, ...] = ()
    la: str | None = None
    person: str | None = None
    correlation_id: str | None = None
    topic: str | None = None
    since: str | None = None
    until: str | None = None
    after: str | None = None
    limit: str | None = None

    def read(self) -> tuple[EventSlice, PageRequest]:
        wanted = EventSlice(
            since=_instant("since", self.since), until=_instant("until", self.until),
            event_types=tuple(dict.fromkeys(self.types)), la_code=self.la or None,
            person_id=_person(self.person), correlation_id=self.correlation_id or None, topic=self.topic or None,
        )  # fmt: skip
        return wanted, PageRequest(after=_after(self.after), limit=_limit(self.limit))

    def as_json(self) -> dict[str, Any]:
        """What was asked, as the audit keeps it when the query is refused (each value cut short)."""
        asked: dict[str, Any] = {
            name: value[:200]
            for name, value in (
                ("la", self.la), ("person", self.person), ("correlation_id", self.correlation_id),
                ("topic", self.topic), ("since", self.since), ("until", self.until), ("after", self.after),
                ("limit", self.limit),
            )
            if value is not None
        }  # fmt: skip
        if self.types:
            asked["event_types"] = [value[:200] for value in self.types[: MAX_TYPES + 1]]
        return asked


def _instant(name: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidQuery(f"{name} is an RFC 3339 time, e.g. 2026-12-01T00:00:00Z") from None


def _person(text: str | None) -> UUID | None:
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        raise InvalidQuery("person is a pseudonymous person id (a UUID)") from None


def _after(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        raise InvalidQuery("after is the `next` a previous page gave")
    return int(text)


def _limit(text: str | None) -> int:
    if not text:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= MAX_LIMIT):
        raise InvalidQuery(f"limit is a whole number from 1 to {MAX_LIMIT}")
    return int(text)
