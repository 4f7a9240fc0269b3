"""The alerts each case owes, as timers: rescheduled whole after every step, claimed by the workers when due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pathfinder.contracts.vocabulary import StatutoryLimit
from pathfinder.ehcp.adapters.tables import ehcp_due_timer
from pathfinder.ehcp.domain.due_alerts import Alert, DueTimer
from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

_t = ehcp_due_timer.c
_KEY = (_t.case_id, _t.limit, _t.subject, _t.alert, _t.due_on)


class SqlDueTimers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def schedule(self, case_id: UUID, timers: Sequence[DueTimer]) -> None:
        # A step holds its case's row and the timer worker holds the timers it claimed while it waits for that
        # case: waiting here for them would deadlock. The worker fires or drops them against the case as this
        # step leaves it, so they are left to it.
        unclaimed = select(*_KEY).where(_t.case_id == case_id, _t.fired_at.is_(None)).with_for_update(skip_locked=True)
        await self._session.execute(delete(ehcp_due_timer).where(tuple_(*_KEY).in_(unclaimed)))
        if timers:
            # A timer already fired for the same key holds the row, and stays fired.
            await self._session.execute(
                pg_insert(ehcp_due_timer).values([_row(timer) for timer in timers]).on_conflict_do_nothing()
            )

    async def claim_due(self, now: datetime, limit: int) -> list[DueTimer]:
        rows = await self._session.execute(
            select(ehcp_due_timer)
            .where(_t.fired_at.is_(None), _t.fires_at <= now)
            .order_by(_t.fires_at, *_KEY)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [
            DueTimer(
                row.case_id,
                row.case_kind,
                StatutoryLimit(row.limit),
                row.subject,
                Alert(row.alert),
                row.due_on,
                row.fires_at,
            )
            for row in rows
        ]

    async def fired(self, timer: DueTimer, at: datetime) -> None:
        # An upsert: a step taken in the same transaction may have rescheduled the timer away, and it must still
        # never fire again should a later step owe it once more.
        statement = pg_insert(ehcp_due_timer).values(**_row(timer), fired_at=at)
        await self._session.execute(
            statement.on_conflict_do_update(index_elements=list(_KEY), set_={"fired_at": statement.excluded.fired_at})
        )

    async def raise_once(self, timer: DueTimer, at: datetime) -> bool:
        statement = pg_insert(ehcp_due_timer).values(**_row(timer), fired_at=at)
        raised = await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=list(_KEY), set_={"fired_at": statement.excluded.fired_at}, where=_t.fired_at.is_(None)
            ).returning(_t.fired_at)
        )
        return raised.first() is not None


def _row(timer: DueTimer) -> dict[str, object]:
    return {
        "case_id": timer.case_id,
        "case_kind": timer.case_kind,
        "limit": timer.limit.value,
        "subject": timer.subject,
        "alert": timer.alert.value,
        "due_on": timer.due_on,
        "fires_at": timer.fires_at,
    }
