"""What replays and redrives read of the archive: its end, a slice counted (the dry run) and read a batch at a
time after a cursor, and the dead letters with their redrives."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pathfinder.contracts.wire import dead_letter_topic
from pathfinder.event_history.adapters.archive_rows import conditions, event_of
from pathfinder.event_history.adapters.tables import archived_event, dead_letter_redrive
from pathfinder.event_history.domain.archived_event import ArchivedRecord
from pathfinder.event_history.domain.dead_letters import DeadLetter, Redriven
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import ReplayTarget
from pathfinder.event_history.domain.replay_plan import PartitionCount, ReplayPlan
from pathfinder.event_history.domain.replay_shard import WHOLE, ReplayBatch, Shard
from pathfinder.event_history.domain.topics import DEAD_LETTER_SUFFIX
from pathfinder.messaging.outbox_message import decode_headers
from sqlalchemy import ColumnElement, Integer, Row, Text, cast, func, insert, literal, select
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.ext.asyncio import AsyncSession

_c = archived_event.c
_r = dead_letter_redrive.c
NO_LA = "none"
# A dead-letter topic is "<group>.dead-letter" with a group of at least one character.
_ON_DEAD_LETTER_TOPIC = _c.topic.like(f"%_{DEAD_LETTER_SUFFIX}")
_WITH_REDRIVE = (
    select(archived_event, _r.at.label("redriven_at"), _r.by.label("redriven_by"), _r.reason.label("redrive_reason"))
    .select_from(archived_event.outerjoin(dead_letter_redrive, _r.position == _c.position))
)  # fmt: skip


# A replay reads only what it sends, with the headers as the stored JSON's text: the driver hands text over as it
# came and json decodes it in C, five times faster than PostgreSQL unpacking the JSON into arrays for the driver
# to decode element by element.
_SENT = (_c.position, _c.topic, _c.partition, _c.key, _c.headers.cast(Text), _c.payload)


# A record's shard as ``domain.replay_shard.shard_of`` computes it: the first 28 bits of the MD5 of its key (of
# "topic:partition" when it has none), modulo the number of shards.
_HASHED = func.coalesce(_c.key, func.convert_to(_c.topic + ":" + cast(_c.partition, Text), "UTF8"))
_BUCKET = cast(cast(literal("x", Text) + func.substr(func.md5(_HASHED), 1, 7), BIT(28)), Integer)


def _in_shard(shard: Shard) -> ColumnElement[bool]:
    return (_BUCKET % shard.count) == shard.index


def _replayed(wanted: EventSlice) -> list[ColumnElement[bool]]:
    """The slice as a replay reads it: a dead-letter copy is sent again only when its topic is asked for (a
    dead letter goes back to its consumer by redrive, not by replay)."""
    return [*conditions(wanted), *([] if wanted.topic is not None else [~_ON_DEAD_LETTER_TOPIC])]


def _dead_letter_of(row: Row[Any]) -> DeadLetter:
    values = row._mapping
    redriven = None
    if values["redriven_at"] is not None:
        redriven = Redriven(values["redriven_at"], values["redriven_by"], values["redrive_reason"])
    return DeadLetter(event_of(row), redriven)


class ArchiveReplayReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def end(self) -> int:
        found = await self._session.execute(select(func.coalesce(func.max(_c.position), 0)))
        return int(found.scalar_one())

    async def plan(self, wanted: EventSlice, target: ReplayTarget) -> ReplayPlan:
        end = await self.end()
        where = [*_replayed(wanted), _c.position <= end]
        counted = select(func.count(), func.min(_c.record_time), func.max(_c.record_time)).where(*where)
        totals = (await self._session.execute(counted)).one()
        partitions = await self._session.execute(
            select(_c.topic, _c.partition, func.count()).where(*where).group_by(_c.topic, _c.partition)
            .order_by(_c.topic, _c.partition)
        )  # fmt: skip
        by_type = await self._session.execute(select(_c.event_type, func.count()).where(*where).group_by(_c.event_type))
        la = func.coalesce(_c.la_code, NO_LA)
        by_la = await self._session.execute(select(la, func.count()).where(*where).group_by(la))
        return ReplayPlan(
            target=target, events=int(totals[0]), last_position=end, first_record_time=totals[1],
            last_record_time=totals[2],
            partitions=tuple(PartitionCount(topic, partition, count) for topic, partition, count in partitions),
            by_type={event_type: count for event_type, count in sorted(tuple(row) for row in by_type)},
            by_la={code: count for code, count in sorted(tuple(row) for row in by_la)},
        )  # fmt: skip

    async def batch(
        self, wanted: EventSlice, *, after: int, up_to: int, limit: int, shard: Shard = WHOLE
    ) -> ReplayBatch:
        where = [*_replayed(wanted), _c.position > after]
        if shard.count > 1:
            # The shard's records among the slice's next ``limit`` x ``count`` or so: read in position order within
            # that bound whatever the planner guesses of the hash's selectivity (it guesses one row in 200, and
            # would sort the whole rest of the archive rather than walk it in order to find a batch). The bound
            # counts dead letters too, so that it is read from an index alone.
            edge = (
                select(_c.position).where(*conditions(wanted), _c.position > after, _c.position <= up_to)
                .order_by(_c.position).offset(limit * shard.count - 1).limit(1)
            )  # fmt: skip
            up_to = (await self._session.execute(edge)).scalar_one_or_none() or up_to
            where.append(_in_shard(shard))
        query = select(*_SENT).where(*where, _c.position <= up_to).order_by(_c.position).limit(limit)
        rows = await self._session.execute(query)
        records = [ArchivedRecord(position, topic, partition, key, decode_headers(json.loads(headers)), payload)
                   for position, topic, partition, key, headers, payload in rows]  # fmt: skip
        return ReplayBatch(records, records[-1].position if len(records) == limit else up_to)

    async def dead_letters(
        self, wanted: EventSlice, *, group: str | None, after: int | None, limit: int, for_update: bool = False
    ) -> list[DeadLetter]:
        where: list[ColumnElement[bool]] = [
            *conditions(wanted), _c.topic == dead_letter_topic(group) if group else _ON_DEAD_LETTER_TOPIC
        ]  # fmt: skip
        if after is not None:
            where.append(_c.position > after)
        if for_update:
            # Lock the records first, then read their redrives in a statement of its own: under READ COMMITTED it
            # sees a redrive committed by whoever held the lock before us, which a join re-checked would not.
            locked = select(_c.position).where(*where).order_by(_c.position).limit(limit).with_for_update()
            positions = list((await self._session.execute(locked)).scalars())
            if not positions:
                return []
            where = [_c.position.in_(positions)]
        rows = await self._session.execute(_WITH_REDRIVE.where(*where).order_by(_c.position).limit(limit))
        return [_dead_letter_of(row) for row in rows]

    async def dead_letter(self, position: int, *, for_update: bool = False) -> DeadLetter | None:
        where = (_c.position == position, _ON_DEAD_LETTER_TOPIC)
        if for_update:
            locked = await self._session.execute(select(_c.position).where(*where).with_for_update())
            if locked.scalar_one_or_none() is None:
                return None
        row = (await self._session.execute(_WITH_REDRIVE.where(*where))).one_or_none()
        return None if row is None else _dead_letter_of(row)

    async def mark_redriven(self, positions: Sequence[int], redriven: Redriven) -> None:
        if not positions:
            return
        rows = [{"position": position, "at": redriven.at, "by": redriven.by[:200], "reason": redriven.reason[:500]}
                for position in positions]  # fmt: skip
        await self._session.execute(insert(dead_letter_redrive), rows)
