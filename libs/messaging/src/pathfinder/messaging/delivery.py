"""Reading a Kafka record as a platform event, or saying precisely why it cannot be read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pathfinder.contracts import ContractEvent, UnknownEventType
from pathfinder.contracts.upcasting import NotReadable, read_event
from pathfinder.messaging.envelope import EventEnvelope, MalformedEvent
from pydantic import ValidationError

_SYNTHETIC_ID_NAMESPACE = uuid.UUID("6f1c1a52-3a7e-4a59-9d0b-7c1f0c0e5a11")


class DeadLetterReason(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_EVENT_TYPE = "unknown-event-type"
    HANDLER_FAILED = "handler-failed"
    # A handler refused the event (see subscription.Refused): an LA subscription may not have a replayed event.
    REPLAY_REFUSED = "replay-refused"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One record from a partition: the event when it could be read, else why it could not."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    value: bytes | None
    envelope: EventEnvelope | None = None
    event: ContractEvent | None = None
    rejection: DeadLetterReason | None = None
    problem: str | None = None

    @property
    def event_id(self) -> uuid.UUID:
        if self.envelope is not None:
            return self.envelope.id
        # A record without a readable id still needs one for the inbox and the dead-letter row.
        return uuid.uuid5(_SYNTHETIC_ID_NAMESPACE, f"{self.topic}/{self.partition}/{self.offset}")

    @property
    def event_type(self) -> str:
        return self.envelope.type if self.envelope is not None else "unreadable"


def read_record(record: Any) -> Delivery:
    """``record`` is an aiokafka ConsumerRecord (or anything with the same attributes)."""
    base: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key,
        "headers": tuple(record.headers or ()),
        "value": record.value,
    }
    try:
        envelope = EventEnvelope.from_record(base["headers"], record.value)
    except MalformedEvent as error:
        return Delivery(**base, rejection=DeadLetterReason.MALFORMED, problem=str(error))
    try:
        event = read_event(envelope.type, envelope.data)
    except (UnknownEventType, NotReadable) as error:
        return Delivery(**base, envelope=envelope, rejection=DeadLetterReason.UNKNOWN_EVENT_TYPE, problem=str(error))
    except ValidationError as error:
        return Delivery(
            **base,
            envelope=envelope,
            rejection=DeadLetterReason.MALFORMED,
            problem=describe_validation(error),
        )
    if event.subject != envelope.subject or event.audience_la != envelope.la_code:
        return Delivery(
            **base,
            envelope=envelope,
            rejection=DeadLetterReason.MALFORMED,
            problem="ce_subject or ce_lacode disagrees with the event data",
        )
    return Delivery(**base, envelope=envelope, event=event)


def describe_validation(error: ValidationError) -> str:
    """Where and what, never the offending values (they may be personal data)."""
    parts = [
        f"{'.'.join(str(part) for part in detail['loc']) or '(event)'}: {detail['msg']}"
        for detail in error.errors(include_input=False, include_url=False)
    ]
    return f"{error.title} does not match its schema: " + "; ".join(parts[:10])
