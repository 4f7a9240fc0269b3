"""Advice requests on PostgreSQL: the snapshot with the columns the dashboard reads, and the alerts' claim."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.health_advice.adapters.snapshots import request_from, request_state
from pathfinder.health_advice.adapters.tables import advice_request
from pathfinder.health_advice.adapters.visibility import visible
from pathfinder.health_advice.domain.access import Visibility
from pathfinder.health_advice.domain.advice_request import AdviceRequest, AdviceStatus
from pathfinder.health_advice.domain.clock import london_midnight
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

_r = advice_request.c


class SqlAdviceRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._seen: dict[UUID, AdviceRequest] = {}

    @property
    def seen(self) -> list[AdviceRequest]:
        return list(self._seen.values())

    async def get(self, advice_request_id: UUID) -> AdviceRequest | None:
        if advice_request_id in self._seen:
            return self._seen[advice_request_id]
        state = await self._session.scalar(
            select(_r.state).where(_r.advice_request_id == advice_request_id).with_for_update()
        )
        if state is None:
            return None
        return self._track(request_from(state))

    async def add(self, request: AdviceRequest) -> bool:
        added = await self._session.execute(
            pg_insert(advice_request)
            .values(advice_request_id=request.advice_request_id, **_columns(request))
            .on_conflict_do_nothing(index_elements=[_r.advice_request_id])
            .returning(_r.advice_request_id)
        )
        if added.first() is None:
            return False
        self._track(request)
        return True

    async def save(self, request: AdviceRequest) -> None:
        await self._session.execute(
            update(advice_request)
            .where(_r.advice_request_id == request.advice_request_id)
            .values(**_columns(request), updated_at=func.now())
        )
        self._track(request)

    async def claim_alerts_due(self, now: datetime, limit: int) -> list[AdviceRequest]:
        states = await self._session.scalars(
            select(_r.state)
            .where(_r.next_alert_at <= now)
            .order_by(_r.next_alert_at, _r.advice_request_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [self._track(request_from(state)) for state in states]

    async def search(
        self, seen: Visibility, *, statuses: tuple[AdviceStatus, ...] = (), team_id: str | None = None,
        limit: int = 100,
    ) -> list[AdviceRequest]:  # fmt: skip
        query = select(_r.state).where(visible(seen))
        if statuses:
            query = query.where(_r.status.in_([status.value for status in statuses]))
        if team_id is not None:
            query = query.where(_r.team_id == team_id)
        states = await self._session.scalars(query.order_by(_r.received_on, _r.advice_request_id).limit(limit))
        return [request_from(state) for state in states]

    def _track(self, request: AdviceRequest) -> AdviceRequest:
        self._seen[request.advice_request_id] = request
        return request


def _columns(request: AdviceRequest) -> dict[str, Any]:
    terms = request.due_terms()
    alert_on = request.next_alert_on()
    return {
        "assessment_id": request.assessment_id,
        "person_id": request.person_id,
        "requesting_la": request.requesting_la,
        "icb": request.icb,
        "team_id": request.team_id,
        "provider_organisation": request.provider_organisation,
        "status": request.status.value,
        "is_open": request.open_request,
        "received_on": request.received_on,
        "running_due_on": terms.running_due_on,
        "stopped_since": terms.stopped_since,
        "accepted_on": request.accepted_on,
        "submitted_on": request.submitted_on,
        "on_time": request.on_time,
        "turnaround_days": request.turnaround_days,
        "next_alert_at": london_midnight(alert_on) if alert_on is not None else None,
        "state": request_state(request),
    }
