"""Replays on PostgreSQL: one row each, the slice and the rewound offsets as JSON, the target in columns; and a row
per shard with its progress, which the lane sending the shard holds locked while it sends a batch."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.event_history.adapters.tables import replay as replay_table
from pathfinder.event_history.adapters.tables import replay_shard as shard_table
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay, ReplayStatus, ReplayTarget, TargetKind
from pathfinder.event_history.domain.replay_shard import ShardProgress
from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

_c = replay_table.c
_s = shard_table.c


def slice_json(chosen: EventSlice) -> dict[str, Any]:
    return {
        "since": chosen.since.isoformat() if chosen.since else None,
        "until": chosen.until.isoformat() if chosen.until else None,
        "event_types": list(chosen.event_types), "la_code": chosen.la_code,
        "person_id": str(chosen.person_id) if chosen.person_id else None,
        "correlation_id": chosen.correlation_id, "topic": chosen.topic,
    }  # fmt: skip


def slice_of(found: dict[str, Any]) -> EventSlice:
    def instant(name: str) -> datetime | None:
        return datetime.fromisoformat(found[name]) if found.get(name) else None

    return EventSlice(
        since=instant("since"), until=instant("until"), event_types=tuple(found.get("event_types") or ()),
        la_code=found.get("la_code"), person_id=UUID(found["person_id"]) if found.get("person_id") else None,
        correlation_id=found.get("correlation_id"), topic=found.get("topic"),
    )  # fmt: skip


def row_of(replay: Replay) -> dict[str, Any]:
    target = replay.target
    return {
        "replay_id": replay.replay_id, "slice": slice_json(replay.chosen), "target_kind": target.kind.value,
        "target_topic": target.topic, "target_group": target.group,
        "target_subscription_id": target.subscription_id, "rate": replay.rate,
        "requested_by": replay.requested_by[:200], "organisation": replay.organisation[:20],
        "reason": replay.reason[:500], "total": replay.total, "last_position": replay.last_position,
        "status": replay.status.value, "started_at": replay.started_at, "updated_at": replay.updated_at,
        "finished_at": replay.finished_at,
        "offsets": [[topic, partition, offset] for topic, partition, offset in replay.offsets],
    }  # fmt: skip


def shard_row_of(progress: ShardProgress) -> dict[str, Any]:
    return {"shard": progress.index, "cursor": progress.cursor, "sent": progress.sent, "done": progress.done,
            "updated_at": progress.updated_at, "events_per_second": progress.events_per_second}  # fmt: skip


def progress_of(row: Row[Any]) -> ShardProgress:
    found = row._mapping
    return ShardProgress(
        found["shard"], cursor=found["cursor"], sent=found["sent"], done=found["done"],
        updated_at=found["updated_at"], events_per_second=found["events_per_second"],
    )  # fmt: skip


def replay_of(row: Row[Any], shards: tuple[ShardProgress, ...]) -> Replay:
    found = row._mapping
    target = ReplayTarget(
        TargetKind(found["target_kind"]), topic=found["target_topic"], group=found["target_group"],
        subscription_id=found["target_subscription_id"],
    )  # fmt: skip
    return Replay(
        replay_id=found["replay_id"], chosen=slice_of(found["slice"]), target=target, rate=found["rate"],
        requested_by=found["requested_by"], organisation=found["organisation"], reason=found["reason"],
        total=found["total"], last_position=found["last_position"], started_at=found["started_at"],
        status=ReplayStatus(found["status"]), updated_at=found["updated_at"], finished_at=found["finished_at"],
        offsets=tuple((str(topic), int(partition), int(offset)) for topic, partition, offset in found["offsets"]),
        shards=shards,
    )  # fmt: skip


class SqlReplays:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, replay: Replay) -> None:
        await self._session.execute(replay_table.insert().values(row_of(replay)))
        shards = [{"replay_id": replay.replay_id, **shard_row_of(one)} for one in replay.shards]
        await self._session.execute(insert(shard_table), shards)

    async def save(self, replay: Replay) -> None:
        changed = {name: value for name, value in row_of(replay).items() if name != "replay_id"}
        await self._session.execute(update(replay_table).where(_c.replay_id == replay.replay_id).values(changed))

    async def save_shard(self, replay_id: UUID, progress: ShardProgress) -> None:
        changed = {name: value for name, value in shard_row_of(progress).items() if name != "shard"}
        await self._session.execute(
            update(shard_table).where(_s.replay_id == replay_id, _s.shard == progress.index).values(changed)
        )

    async def get(self, replay_id: UUID, *, for_update: bool) -> Replay | None:
        query = select(replay_table).where(_c.replay_id == replay_id)
        if for_update:
            query = query.with_for_update(of=replay_table)
        row = (await self._session.execute(query)).one_or_none()
        if row is None:
            return None
        # Read after the replay's lock was granted, in a statement of its own: under READ COMMITTED it sees the
        # shards as the lanes committed them up to then.
        return replay_of(row, (await self._shards([replay_id]))[replay_id])

    async def recent(self, *, organisation: str | None, limit: int) -> list[Replay]:
        query = select(replay_table)
        if organisation is not None:
            query = query.where(_c.organisation == organisation)
        rows = list(await self._session.execute(query.order_by(_c.started_at.desc(), _c.replay_id).limit(limit)))
        shards = await self._shards([row.replay_id for row in rows])
        return [replay_of(row, shards[row.replay_id]) for row in rows]

    async def claim_shard(self) -> tuple[Replay, int] | None:
        query = (
            select(_s.replay_id, _s.shard)
            .join(replay_table, _c.replay_id == _s.replay_id)
            .where(_c.status == ReplayStatus.RUNNING.value, ~_s.done)
            .order_by(_s.updated_at.asc().nulls_first(), _s.shard)
            .limit(1)
            .with_for_update(of=shard_table, skip_locked=True)
        )
        claimed = (await self._session.execute(query)).one_or_none()
        if claimed is None:
            return None
        replay = await self.get(claimed.replay_id, for_update=False)
        if replay is None or replay.status is not ReplayStatus.RUNNING:  # paused or cancelled a moment ago
            return None
        return replay, claimed.shard

    async def _shards(self, replay_ids: list[UUID]) -> dict[UUID, tuple[ShardProgress, ...]]:
        found: dict[UUID, list[ShardProgress]] = {replay_id: [] for replay_id in replay_ids}
        if replay_ids:
            rows = await self._session.execute(
                select(shard_table).where(_s.replay_id.in_(replay_ids)).order_by(_s.replay_id, _s.shard)
            )
            for row in rows:
                found[row.replay_id].append(progress_of(row))
        return {replay_id: tuple(shards) for replay_id, shards in found.items()}
