"""What the use cases need of the world besides the database: the feed of records from the broker, a reader of
whole topics, and the outboxes of the services (for the gap check)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from pathfinder.event_history.domain.archived_event import ArchivedEvent, ArchivedRecord, Headers
from pathfinder.event_history.domain.gaps import Located
from pathfinder.event_history.domain.replay import ReplayTarget
from pathfinder.event_history.domain.replay_plan import PartitionCount


@dataclass(frozen=True)
class FeedBatch:
    events: Sequence[ArchivedEvent] = ()
    next_offsets: Mapping[tuple[str, int], int] = field(default_factory=dict)
    """Per (topic, partition), the offset to resume from once ``events`` are kept."""


class ArchiveFeed(Protocol):
    async def next_batch(self) -> FeedBatch:
        """What the broker has next (waiting a little when it has nothing)."""
        ...

    async def commit(self, batch: FeedBatch) -> None:
        """Resume after ``batch`` from now on: called only once its events are kept."""
        ...

    async def close(self) -> None: ...


class TopicScanner(Protocol):
    async def topics(self) -> list[str]:
        """Every topic the broker has."""
        ...

    def records(self, topic: str) -> AsyncIterator[list[Located]]:
        """The topic from its first record to its high watermark, in batches."""
        ...


@dataclass(frozen=True)
class OutboxRecord:
    topic: str
    headers: Headers
    published_at: datetime


class Outboxes(Protocol):
    def services(self) -> list[str]: ...

    def published(self, service: str, *, before: datetime) -> AsyncIterator[list[OutboxRecord]]:
        """The service's outbox rows published before ``before``, in batches."""
        ...


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing there (its lag counts from the log's start)
    end: int
    lag: int


class ReplaySender(Protocol):
    async def send(self, records: Sequence[ArchivedRecord], target: ReplayTarget, replay_id: UUID) -> None:
        """Send ``records`` to the target (in order per partition key); returns once the broker acknowledged all.
        A topic target sends each record as it was (its own topic, or the target's); a subscription target
        sends each to notifications' replay topic naming the subscription and the replay."""
        ...

    async def redrive(self, dead_letters: Sequence[ArchivedEvent]) -> None:
        """Each archived dead letter back to its consumer group's redrive topic; returns once acknowledged."""
        ...


class ConsumerGroups(Protocol):
    async def offsets_at(self, topics: Sequence[str], at: datetime) -> list[PartitionCount]:
        """For every partition of ``topics``, the first offset at or after ``at`` (the end when none is)."""
        ...

    async def rewind(self, group: str, topics: Sequence[str], at: datetime) -> list[PartitionCount]:
        """Set the group's committed offsets to ``offsets_at``; raises ``GroupInUse`` while it has members."""
        ...

    async def lag(self, groups: Mapping[str, Sequence[str]]) -> list[PartitionLag]:
        """Per group (with the topics it reads) and partition."""
        ...
