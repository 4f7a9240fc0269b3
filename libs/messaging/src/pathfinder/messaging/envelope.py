"""CloudEvents 1.0 in Kafka binary mode: attributes as ``ce_*`` headers, the JSON data as the record value.

The CloudEvents SDK's Kafka binding was considered; we keep this small module because every attribute here is
validated strictly on the way in (a malformed event must be dead-lettered with a precise reason) and the
extension attributes are typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from pathfinder.contracts.wire import (
    CONTENT_TYPE,
    CORRELATION_EXTENSION,
    EPOCH_HEADER,
    LA_CODE_EXTENSION,
    SEQUENCE_EXTENSION,
    SPEC_VERSION,
    TRACEPARENT,
    TRACESTATE,
)

__all__ = [
    "CONTENT_TYPE",
    "CORRELATION_EXTENSION",
    "EPOCH_HEADER",
    "LA_CODE_EXTENSION",
    "SEQUENCE_EXTENSION",
    "SPEC_VERSION",
    "TRACEPARENT",
    "TRACESTATE",
    "EventEnvelope",
    "Headers",
    "MalformedEvent",
    "header_value",
]

Headers = list[tuple[str, bytes]]


class MalformedEvent(ValueError):
    """The record cannot be read as a platform event; the reason names what is wrong, never the content."""


@dataclass(frozen=True, slots=True)
class EventEnvelope:
    id: UUID
    source: str
    type: str
    time: datetime
    subject: str
    la_code: str | None  # None: no LA may receive the event
    correlation_id: str
    data: bytes
    sequence: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    extra_headers: tuple[tuple[str, bytes], ...] = field(default=())

    def to_headers(self) -> Headers:
        headers: Headers = [
            ("ce_specversion", SPEC_VERSION.encode()),
            ("ce_id", str(self.id).encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", _format_time(self.time).encode()),
            ("ce_subject", self.subject.encode()),
            (f"ce_{CORRELATION_EXTENSION}", self.correlation_id.encode()),
            ("content-type", CONTENT_TYPE.encode()),
        ]
        if self.la_code is not None:
            headers.append((f"ce_{LA_CODE_EXTENSION}", self.la_code.encode()))
        if self.sequence is not None:
            headers.append((f"ce_{SEQUENCE_EXTENSION}", self.sequence.encode()))
        if self.traceparent is not None:
            headers.append((TRACEPARENT, self.traceparent.encode()))
        if self.tracestate:
            headers.append((TRACESTATE, self.tracestate.encode()))
        headers.extend(self.extra_headers)
        return headers

    @classmethod
    def from_record(cls, headers: Sequence[tuple[str, bytes]], value: bytes | None) -> EventEnvelope:
        found = _decode_headers(headers)
        if found.get("ce_specversion") != SPEC_VERSION:
            raise MalformedEvent("ce_specversion header missing or not 1.0")
        content_type = found.get("content-type", CONTENT_TYPE)
        if content_type.split(";")[0].strip() != CONTENT_TYPE:
            raise MalformedEvent(f"content-type {content_type!r} is not {CONTENT_TYPE}")
        if value is None:
            raise MalformedEvent("record has no value (no event data)")
        try:
            event_id = UUID(_required(found, "ce_id"))
        except ValueError:
            raise MalformedEvent("ce_id is not a UUID") from None
        return cls(
            id=event_id,
            source=_required(found, "ce_source"),
            type=_required(found, "ce_type"),
            time=_parse_time(_required(found, "ce_time")),
            subject=_required(found, "ce_subject"),
            la_code=found.get(f"ce_{LA_CODE_EXTENSION}"),
            correlation_id=_required(found, f"ce_{CORRELATION_EXTENSION}"),
            data=value,
            sequence=found.get(f"ce_{SEQUENCE_EXTENSION}"),
            traceparent=found.get(TRACEPARENT),
            tracestate=found.get(TRACESTATE),
        )


def header_value(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("utf-8", errors="replace")
    return None


def _decode_headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    decoded: dict[str, str] = {}
    for key, value in headers:
        try:
            decoded[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedEvent(f"header {key!r} is not UTF-8") from None
    return decoded


def _required(headers: dict[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise MalformedEvent(f"required header {name} is missing")
    return value


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("event time must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent("ce_time is not an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise MalformedEvent("ce_time has no UTC offset")
    return moment
