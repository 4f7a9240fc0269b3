"""Replays on PostgreSQL: one row each, the slice and the rewound offsets as JSON, the target in columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.event_history.adapters.tables import replay as replay_table
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay, ReplayStatus, ReplayTarget, TargetKind
from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

_c = replay_table.c


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
        "cursor": replay.cursor, "sent": replay.sent, "status": replay.status.value,
        "started_at": replay.started_at, "updated_at": replay.updated_at, "finished_at": replay.finished_at,
        "events_per_second": replay.events_per_second,
        "offsets": [[topic, partition, offset] for topic, partition, offset in replay.offsets],
    }  # fmt: skip


def replay_of(row: Row[Any]) -> Replay:
    found = row._mapping
    target = ReplayTarget(
        TargetKind(found["target_kind"]), topic=found["target_topic"], group=found["target_group"],
        subscription_id=found["target_subscription_id"],
    )  # fmt: skip
    return Replay(
        replay_id=found["replay_id"], chosen=slice_of(found["slice"]), target=target, rate=found["rate"],
        requested_by=found["requested_by"], organisation=found["organisation"], reason=found["reason"],
        total=found["total"], last_position=found["last_position"], started_at=found["started_at"],
        status=ReplayStatus(found["status"]), cursor=found["cursor"], sent=found["sent"],
        updated_at=found["updated_at"], finished_at=found["finished_at"],
        events_per_second=found["events_per_second"],
        offsets=tuple((str(topic), int(partition), int(offset)) for topic, partition, offset in found["offsets"]),
    )  # fmt: skip


class SqlReplays:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, replay: Replay) -> None:
        await self._session.execute(replay_table.insert().values(row_of(replay)))

    async def save(self, replay: Replay) -> None:
        changed = {name: value for name, value in row_of(replay).items() if name != "replay_id"}
        await self._session.execute(update(replay_table).where(_c.replay_id == replay.replay_id).values(changed))

    async def get(self, replay_id: UUID, *, for_update: bool) -> Replay | None:
        query = select(replay_table).where(_c.replay_id == replay_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else replay_of(row)

    async def recent(self, *, organisation: str | None, limit: int) -> list[Replay]:
        query = select(replay_table)
        if organisation is not None:
            query = query.where(_c.organisation == organisation)
        rows = await self._session.execute(query.order_by(_c.started_at.desc(), _c.replay_id).limit(limit))
        return [replay_of(row) for row in rows]

    async def claim_running(self) -> Replay | None:
        query = (
            select(replay_table)
            .where(_c.status == ReplayStatus.RUNNING.value)
            .order_by(_c.updated_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else replay_of(row)
