"""A record as the outbox will publish it: plain data, so code that only stages records needs no database."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pathfinder.messaging.envelope import Headers


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A record as it will be published: topic, key, headers and value."""

    event_id: UUID
    topic: str
    key: str
    event_type: str
    headers: Headers
    payload: bytes
