"""The event history's unit of work as the use cases see it: the archive and the audit log, in one transaction.
The SQL one is in the adapters; the fast tests use a fake."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from pathfinder.event_history.domain.archived_event import ArchivedEvent, EventSummary
from pathfinder.event_history.domain.audit import AuditEntry
from pathfinder.event_history.domain.dead_letters import DeadLetter, Redriven
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay, ReplayTarget
from pathfinder.event_history.domain.replay_plan import ReplayPlan
from pathfinder.event_history.domain.replay_shard import WHOLE, ReplayBatch, Shard, ShardProgress
from pathfinder.messaging.unit_of_work import UnitOfWork


class Archive(Protocol):
    async def add(self, events: Sequence[ArchivedEvent]) -> int:
        """Keep the events not kept yet (by event id and topic); how many were new."""
        ...

    async def find(self, wanted: EventSlice, *, after: int | None, limit: int) -> list[EventSummary]:
        """Up to ``limit`` events of the slice after position ``after``, in archive order."""
        ...

    async def copies(self, event_id: UUID) -> list[ArchivedEvent]:
        """Every record kept under the id (its platform topic's and its dead letters'), in archive order."""
        ...

    async def person_events(self, wanted: EventSlice) -> list[EventSummary]:
        """Every event of the slice (a person's, narrowed as the caller may read), in archive order."""
        ...

    async def prune(self, topic: str, *, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` of the topic's records older than ``before``, oldest first; how many."""
        ...

    async def lacking(self, topic: str, event_ids: Collection[UUID]) -> set[UUID]:
        """Those of ``event_ids`` the archive keeps no record of on ``topic``."""
        ...


class ReplaySource(Protocol):
    """What replays and redrives read of the archive (the same ``Archive`` object in the SQL unit of work)."""

    async def end(self) -> int:
        """The archive's last position (0 when empty)."""
        ...

    async def plan(self, wanted: EventSlice, target: ReplayTarget) -> ReplayPlan:
        """The dry run: the slice's events up to the archive's end now, counted by topic and partition, type and
        LA ("none" for no LA), with the first and last record times and that end as ``last_position``."""
        ...

    async def batch(
        self, wanted: EventSlice, *, after: int, up_to: int, limit: int, shard: Shard = WHOLE
    ) -> ReplayBatch:
        """Up to ``limit`` records of the slice's ``shard`` with ``after < position <= up_to``, in archive order,
        and how far they reach. A shard of several is read among the slice's next ``limit`` times as many records
        (those a batch of every shard would take), so a batch costs the same however rare the shard's keys are."""
        ...

    async def dead_letters(
        self, wanted: EventSlice, *, group: str | None, after: int | None, limit: int, for_update: bool = False
    ) -> list[DeadLetter]:
        """Records of dead-letter topics (of ``group``'s only, when given) in the slice, in archive order, each
        with its redrive if it had one; ``for_update`` locks them until the transaction ends."""
        ...

    async def dead_letter(self, position: int, *, for_update: bool = False) -> DeadLetter | None:
        """The dead-letter record at ``position`` (None: there is none, or it is not a dead letter)."""
        ...

    async def mark_redriven(self, positions: Sequence[int], redriven: Redriven) -> None: ...


class Replays(Protocol):
    async def add(self, replay: Replay) -> None:
        """The replay and its shards."""
        ...

    async def save(self, replay: Replay) -> None:
        """The replay's own state (status, times, offsets); its shards' progress is saved by ``save_shard``."""
        ...

    async def get(self, replay_id: UUID, *, for_update: bool) -> Replay | None:
        """The replay with its shards as committed now; ``for_update`` locks the replay (not its shards, which
        their lanes hold) until the transaction ends."""
        ...

    async def recent(self, *, organisation: str | None, limit: int) -> list[Replay]:
        """The latest replays first (of ``organisation`` only, when given)."""
        ...

    async def save_shard(self, replay_id: UUID, progress: ShardProgress) -> None:
        """One shard's progress, and nothing else of the replay."""
        ...

    async def claim_shard(self) -> tuple[Replay, int] | None:
        """An unfinished shard of a running replay that no other worker holds, locked until the transaction ends
        (the least recently advanced first, so that shards and replays take turns), with its replay."""
        ...


class AuditLog(Protocol):
    async def record(self, entry: AuditEntry) -> None: ...

    async def entries(self, *, since: datetime | None, limit: int) -> list[AuditEntry]:
        """Up to ``limit`` entries at or after ``since``, oldest first."""
        ...


class ArchiveWithReplays(Archive, ReplaySource, Protocol):
    pass


class EventHistoryUnitOfWork(UnitOfWork):
    archive: ArchiveWithReplays
    audit: AuditLog
    replays: Replays
