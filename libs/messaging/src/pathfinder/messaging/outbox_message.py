"""A record as the outbox will publish it: plain data, so code that only stages records needs no database."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pathfinder.messaging.envelope import Headers

StoredHeader = list[str]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A record as it will be published: topic, key, headers and value."""

    event_id: UUID
    topic: str
    key: str
    event_type: str
    headers: Headers
    payload: bytes


def encode_headers(headers: Headers) -> list[StoredHeader]:
    stored: list[StoredHeader] = []
    for name, value in headers:
        try:
            stored.append([name, value.decode("utf-8")])
        except UnicodeDecodeError:
            # Only a dead-lettered record that arrived malformed carries such bytes; keep them exactly.
            stored.append([name, base64.b64encode(value).decode(), "base64"])
    return stored


def decode_headers(stored: Sequence[Sequence[str]]) -> Headers:
    # One expression per header: relays and replays decode every header of every record they send.
    return [(entry[0], entry[1].encode()) if len(entry) == 2 else (entry[0], _raw(entry)) for entry in stored]


def _raw(entry: Sequence[str]) -> bytes:
    return base64.b64decode(entry[1]) if entry[2] == "base64" else entry[1].encode()
