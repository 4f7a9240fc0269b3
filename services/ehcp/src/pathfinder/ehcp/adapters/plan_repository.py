"""Storing EHC plans: the whole aggregate as a snapshot, with the columns an LA's open cases are listed by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from pathfinder.ehcp.adapters.snapshot_rows import london_today, next_due_columns, upsert
from pathfinder.ehcp.adapters.snapshots import plan_from, plan_state
from pathfinder.ehcp.adapters.tables import ehcp_plan
from pathfinder.ehcp.domain.plan import EhcPlan
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


def plan_stage(plan: EhcPlan) -> str:
    if not plan.maintained:
        return "ceased"
    return "under-review" if plan.review_in_progress else "maintained"


class SqlPlans:
    """Hands out one object per plan in a transaction (the one it already handed out, if any)."""

    def __init__(self, session: AsyncSession, today: Callable[[], date] = london_today) -> None:
        self._session = session
        self._today = today
        self._seen: dict[UUID, EhcPlan] = {}

    @property
    def seen(self) -> list[EhcPlan]:
        return list(self._seen.values())

    async def get(self, plan_id: UUID) -> EhcPlan | None:
        if plan_id in self._seen:
            return self._seen[plan_id]
        state = await self._session.scalar(
            select(ehcp_plan.c.state).where(ehcp_plan.c.plan_id == plan_id).with_for_update()
        )
        return None if state is None else self._loaded(state)

    async def of_person(self, person_id: UUID) -> list[EhcPlan]:
        rows = await self._session.execute(
            select(ehcp_plan.c.plan_id, ehcp_plan.c.state)
            .where(ehcp_plan.c.person_id == person_id)
            .order_by(ehcp_plan.c.issued_on, ehcp_plan.c.plan_id)
            .with_for_update()
        )
        return [self._seen.get(row.plan_id) or self._loaded(row.state) for row in rows]

    async def save(self, plan: EhcPlan) -> None:
        await self._session.execute(
            upsert(
                ehcp_plan,
                {
                    "plan_id": plan.plan_id,
                    "person_id": plan.person_id,
                    "responsible_la": plan.responsible_la,
                    "la_reference": plan.la_reference,
                    "assessment_id": plan.assessment_id,
                    "stage": plan_stage(plan),
                    "is_open": plan.maintained,
                    "issued_on": plan.issued_on,
                    **next_due_columns(plan.facts(), self._today()),
                    "state": plan_state(plan),
                },
            )
        )
        self._seen[plan.plan_id] = plan

    def _loaded(self, state: dict[str, Any]) -> EhcPlan:
        plan = plan_from(state)
        self._seen[plan.plan_id] = plan
        return plan
