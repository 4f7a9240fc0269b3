"""The event history's unit of work as the use cases see it: the archive and the audit log, in one transaction.
The SQL one is in the adapters; the fast tests use a fake."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from pathfinder.event_history.domain.archived_event import ArchivedEvent, ArchivedRecord, EventSummary
from pathfinder.event_history.domain.audit import AuditEntry
from pathfinder.event_history.domain.dead_letters import DeadLetter, Redriven
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay, ReplayTarget
from pathfinder.event_history.domain.replay_plan import ReplayPlan
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

    async def batch(self, wanted: EventSlice, *, after: int, up_to: int, limit: int) -> list[ArchivedRecord]:
        """Up to ``limit`` records of the slice with ``after < position <= up_to``, in archive order."""
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
    async def add(self, replay: Replay) -> None: ...

    async def save(self, replay: Replay) -> None: ...

    async def get(self, replay_id: UUID, *, for_update: bool) -> Replay | None: ...

    async def recent(self, *, organisation: str | None, limit: int) -> list[Replay]:
        """The latest replays first (of ``organisation`` only, when given)."""
        ...

    async def claim_running(self) -> Replay | None:
        """A running replay no other worker holds, locked until the transaction ends (the least recently
        advanced first, so that several replays take turns)."""
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
