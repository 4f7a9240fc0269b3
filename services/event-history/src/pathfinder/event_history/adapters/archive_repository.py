"""The archive on PostgreSQL: records kept once per (event id, topic, dead letter's copy), found by slice in archive
order; what replays and redrives read of it is in :mod:`.archive_replays`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from pathfinder.event_history.adapters.archive_replays import ArchiveReplayReads
from pathfinder.event_history.adapters.archive_rows import SUMMARY, conditions, event_of, row_of, summary_of
from pathfinder.event_history.adapters.tables import archived_event
from pathfinder.event_history.domain.archived_event import ArchivedEvent, EventSummary
from pathfinder.event_history.domain.event_slice import EventSlice
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

_c = archived_event.c
_KEEP_ONCE = (
    insert(archived_event)
    .on_conflict_do_nothing(constraint="archived_event_once_per_topic")
    .returning(archived_event.c.position)
)


class SqlArchive(ArchiveReplayReads):
    async def add(self, events: Sequence[ArchivedEvent]) -> int:
        if not events:
            return 0
        kept = await self._session.execute(_KEEP_ONCE, [row_of(event) for event in events])
        return len(kept.all())

    async def find(self, wanted: EventSlice, *, after: int | None, limit: int) -> list[EventSummary]:
        query = select(*SUMMARY).where(*conditions(wanted))
        if after is not None:
            query = query.where(_c.position > after)
        rows = await self._session.execute(query.order_by(_c.position).limit(limit))
        return [summary_of(row) for row in rows]

    async def copies(self, event_id: UUID) -> list[ArchivedEvent]:
        rows = await self._session.execute(select(archived_event).where(_c.event_id == event_id).order_by(_c.position))
        return [event_of(row) for row in rows]

    async def person_events(self, wanted: EventSlice) -> list[EventSummary]:
        rows = await self._session.execute(select(*SUMMARY).where(*conditions(wanted)).order_by(_c.position))
        return [summary_of(row) for row in rows]

    async def prune(self, topic: str, *, before: datetime, limit: int) -> int:
        expired = (
            select(_c.position)
            .where(_c.topic == topic, _c.record_time < before)
            .order_by(_c.position)
            .limit(limit)
            .scalar_subquery()
        )
        pruned = await self._session.execute(delete(archived_event).where(_c.position.in_(expired)))
        return int(pruned.rowcount)  # type: ignore[attr-defined]

    async def lacking(self, topic: str, event_ids: Collection[UUID]) -> set[UUID]:
        if not event_ids:
            return set()
        rows = await self._session.execute(
            select(_c.event_id).where(_c.topic == topic, _c.event_id.in_(list(event_ids)))
        )
        return set(event_ids) - {row.event_id for row in rows}
