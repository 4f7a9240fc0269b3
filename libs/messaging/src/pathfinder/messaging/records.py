"""A Kafka record as the delivery code reads it, for reading records that did not come from a consumer
(tests, replays from the archive)."""

from __future__ import annotations

from dataclasses import dataclass

from pathfinder.messaging.outbox import OutboxMessage


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: list[tuple[str, bytes]]
    value: bytes | None

    @classmethod
    def of(cls, message: OutboxMessage, *, partition: int = 0, offset: int = 0) -> KafkaRecord:
        """The record the relay would write for ``message``."""
        return cls(message.topic, partition, offset, message.key.encode(), list(message.headers), message.payload)
