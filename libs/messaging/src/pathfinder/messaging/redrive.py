"""Redrive: a dead-lettered record sent back to the consumer that gave up on it, once the fault is fixed.

The redrive record is the original record (its headers, key and value, as kept on the dead-letter topic) on
``<group>.redrive``, with one more header naming the event id the consumer dead-lettered it under. The consumer
applies it only while its inbox holds that id as dead-lettered (:mod:`pathfinder.messaging.redrive_handling`).
Nothing here does I/O: the event-history service builds redrive records from its archive with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from uuid import UUID

from pathfinder.contracts.wire import (
    DEAD_LETTER_PREFIX,
    EPOCH_HEADER,
    REDRIVE_OF_HEADER,
    SEQUENCE_EXTENSION,
    redrive_topic,
)
from pathfinder.messaging.envelope import header_value

__all__ = ["REDRIVE_OF_HEADER", "NotADeadLetter", "RedriveRecord", "redrive_of", "redrive_record", "redrive_topic"]

_GROUP_HEADER = f"{DEAD_LETTER_PREFIX}consumer_group"
_EVENT_ID_HEADER = f"{DEAD_LETTER_PREFIX}original_event_id"
# The relay stamps these on the dead-letter record when it publishes it: they describe that publication, not the
# original event, and a consumer would take a foreign epoch on its redrive partition for a replaced log.
_PUBLICATION_HEADERS = frozenset({EPOCH_HEADER, f"ce_{SEQUENCE_EXTENSION}", REDRIVE_OF_HEADER})


class NotADeadLetter(ValueError):
    """The record lacks the headers a consumer writes when it dead-letters a record."""


class RedriveRecord(NamedTuple):
    topic: str
    key: bytes | None
    headers: list[tuple[str, bytes]]
    value: bytes | None


def redrive_record(headers: Sequence[tuple[str, bytes]], key: bytes | None, value: bytes | None) -> RedriveRecord:
    """The record that sends a dead letter (as found on its dead-letter topic) back to its consumer group."""
    group = header_value(headers, _GROUP_HEADER)
    event_id = _event_id(header_value(headers, _EVENT_ID_HEADER))
    if not group or event_id is None:
        raise NotADeadLetter(f"a dead-letter record carries {_GROUP_HEADER} and a UUID in {_EVENT_ID_HEADER}")
    original = [
        (name, raw)
        for name, raw in headers
        if not name.startswith(DEAD_LETTER_PREFIX) and name not in _PUBLICATION_HEADERS
    ]
    return RedriveRecord(redrive_topic(group), key, [*original, (REDRIVE_OF_HEADER, str(event_id).encode())], value)


def redrive_of(headers: Sequence[tuple[str, bytes]]) -> UUID | None:
    """The event id a redrive record names, or None when it names none (or not a UUID)."""
    return _event_id(header_value(headers, REDRIVE_OF_HEADER))


def _event_id(text: str | None) -> UUID | None:
    if not text:
        return None
    try:
        return UUID(text)
    except ValueError:
        return None
