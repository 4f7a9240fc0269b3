"""The dashboard's read model in SQL: open requests by due date, turnaround buckets, shares on time and the
export, over the columns kept beside each request's snapshot (the fakes answer alike, tested on the same data)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from pathfinder.health_advice.adapters.csv_export import export_lines
from pathfinder.health_advice.adapters.tables import advice_request, provider_team
from pathfinder.health_advice.adapters.visibility import visible, visible_apart
from pathfinder.health_advice.domain.access import Visibility
from pathfinder.health_advice.domain.advice_request import AdviceStatus
from pathfinder.health_advice.domain.clock import DUE_SOON_DAYS, Rag, rag
from pathfinder.health_advice.service_layer.views import (
    EXPORT_CHUNK,
    TURNAROUND_BUCKETS,
    UNROUTED,
    CsvFilters,
    RequestLine,
    ShareBy,
    ShareRow,
    TurnaroundBucket,
)
from sqlalchemy import ColumnElement, Date, Integer, Select, Subquery, case, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

_r, _t = advice_request.c, provider_team.c
_WITH_TEAM = advice_request.outerjoin(provider_team, _t.team_id == _r.team_id)


def _due(today: date) -> ColumnElement[date]:
    """The due date on ``today`` (domain.clock.DueTerms.on)."""
    held = case((_r.stopped_since.is_(None), 0), else_=literal(today, Date) - _r.stopped_since + 1)
    return (_r.running_due_on + cast(held, Integer)).label("due_on")


class SqlAdviceViews:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open_lines(
        self, seen: Visibility, today: date, *, overdue_only: bool = False, limit: int | None = None
    ) -> list[RequestLine]:
        due = _due(today)
        query = _lines(due).where(_r.is_open, visible(seen))
        if overdue_only:
            query = query.where(_r.stopped_since.is_(None), _r.running_due_on < today)
        query = query.order_by(due, _r.received_on, _r.advice_request_id)
        rows = await self._session.execute(query.limit(limit) if limit is not None else query)
        return [_line(row, today) for row in rows]

    async def turnaround(self, seen: Visibility, since: date) -> list[TurnaroundBucket]:
        days = _answered(seen, since).c.turnaround_days
        bucket = case(
            *((days <= last, index) for index, (_, last) in enumerate(TURNAROUND_BUCKETS) if last),
            else_=len(TURNAROUND_BUCKETS) - 1,
        ).label("bucket")
        rows = await self._session.execute(select(bucket, func.count()).group_by(bucket))
        counts: dict[int, int] = {bucket_: count for bucket_, count in rows}
        return [TurnaroundBucket(first, last, counts.get(i, 0)) for i, (first, last) in enumerate(TURNAROUND_BUCKETS)]

    async def share_within_limit(self, seen: Visibility, by: ShareBy, since: date | None) -> list[ShareRow]:
        answered = _answered(seen, since)
        key, label = _share_key(by, answered)
        rows = await self._session.execute(
            select(key, label, func.count(), func.count().filter(answered.c.on_time))
            .select_from(answered.outerjoin(provider_team, _t.team_id == answered.c.team_id))
            .group_by(key, label)
            .order_by(key.collate("C"))
        )
        return [ShareRow(row[0], row[1], row[2], row[3]) for row in rows]

    async def export(self, seen: Visibility, filters: CsvFilters, today: date) -> AsyncIterator[list[str]]:
        query = export_lines(_due(today), today).select_from(_WITH_TEAM)
        query = query.where(visible(seen), *_filtered(filters)).order_by(_r.received_on, _r.advice_request_id)
        lines = await self._session.stream_scalars(query.execution_options(yield_per=EXPORT_CHUNK))
        async for chunk in lines.partitions():
            yield [str(line) for line in chunk]

    async def open_by_rag(self, today: date) -> dict[tuple[str, Rag], int]:
        due = _due(today)
        colour = case(
            (due < today, Rag.RED.value),
            (_r.stopped_since.isnot(None) | (due - today <= DUE_SOON_DAYS), Rag.AMBER.value),
            else_=Rag.GREEN.value,
        ).label("rag")
        rows = await self._session.execute(
            select(_r.icb, colour, func.count()).where(_r.is_open).group_by(_r.icb, colour)
        )
        return {(icb, Rag(colour_)): count for icb, colour_, count in rows}


def _lines(due: ColumnElement[date]) -> Select[Any]:
    return select(
        _r.advice_request_id, _r.requesting_la, _r.icb, _r.team_id, _t.name.label("team_name"),
        _t.kind.label("team_kind"), _r.received_on, due, _r.status, _r.stopped_since,
    ).select_from(_WITH_TEAM)  # fmt: skip


def _line(row: Any, today: date) -> RequestLine:
    stopped = row.stopped_since is not None
    return RequestLine(
        row.advice_request_id, row.requesting_la, row.icb, row.team_id, row.team_name, row.team_kind,
        row.received_on, row.due_on, (row.due_on - today).days, rag(row.due_on, today, clock_stopped=stopped),
        AdviceStatus(row.status), stopped,
    )  # fmt: skip


def _answered(seen: Visibility, since: date | None) -> Subquery:
    """The answered requests ``seen`` may read, submitted on or after ``since``: what the turnaround and share
    figures count, read from the indexes of the columns a viewer sees requests by (tables.advice_request's
    ``advice_request_submitted_*``), one for each part of ``visible_apart``."""
    submitted = [_r.submitted_on.isnot(None), *([_r.submitted_on >= since] if since is not None else [])]
    columns = (_r.team_id, _r.requesting_la, _r.submitted_on, _r.turnaround_days, _r.on_time)
    parts = [select(*columns).where(part, *submitted) for part in visible_apart(seen)]
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("answered")


def _share_key(by: ShareBy, answered: Subquery) -> tuple[ColumnElement[str], ColumnElement[str]]:
    if by == "team":
        return func.coalesce(answered.c.team_id, UNROUTED), func.coalesce(_t.name, "Unrouted")
    if by == "la":
        return answered.c.requesting_la, answered.c.requesting_la
    month = func.to_char(answered.c.submitted_on, "YYYY-MM")
    return month, month


def _filtered(filters: CsvFilters) -> list[ColumnElement[bool]]:
    terms: list[ColumnElement[bool]] = []
    if filters.statuses:
        terms.append(_r.status.in_([status.value for status in filters.statuses]))
    if filters.requesting_la is not None:
        terms.append(_r.requesting_la == filters.requesting_la)
    if filters.team_id is not None:
        terms.append(_r.team_id == filters.team_id)
    if filters.received_from is not None:
        terms.append(_r.received_on >= filters.received_from)
    if filters.received_to is not None:
        terms.append(_r.received_on <= filters.received_to)
    return terms
