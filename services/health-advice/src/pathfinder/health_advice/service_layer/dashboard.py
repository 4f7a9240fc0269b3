"""The DCO's dashboard read model: what a signed-in person (or client) sees of the requests it may read, each
figure computed from the service's data as ``views.HOW_COUNTED`` says. Queries only: nothing here commits."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pathfinder.auth import Principal
from pathfinder.health_advice.domain.access import Visibility, may_read_in_full, visibility
from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pathfinder.health_advice.domain.clock import stopped_days
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound, led_teams
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.health_advice.service_layer.views import (
    CSV_HEADER,
    TURNAROUND_BUCKETS,
    ClockStopLine,
    CsvFilters,
    RequestLine,
    RequestTimeline,
    ShareBy,
    ShareRow,
    TimelineStep,
    TurnaroundBucket,
    csv_line,
)


@dataclass(frozen=True)
class Viewer:
    """The signed-in principal and the teams it leads."""

    principal: Principal
    led_teams: frozenset[str] = frozenset()

    @property
    def sees(self) -> Visibility:
        return visibility(self.principal, self.led_teams)


async def viewer_for(principal: Principal, *, uow: HealthAdviceUnitOfWork) -> Viewer:
    async with uow:
        return Viewer(principal, await led_teams(principal, uow))


async def open_requests(
    viewer: Viewer, today: date, *, uow: HealthAdviceUnitOfWork, limit: int | None = None
) -> list[RequestLine]:
    """Open requests the viewer may see, soonest due first."""
    if viewer.sees.nothing:
        return []
    async with uow:
        return await uow.views.open_lines(viewer.sees, today, limit=limit)


async def overdue(
    viewer: Viewer, today: date, *, uow: HealthAdviceUnitOfWork, limit: int | None = None
) -> list[RequestLine]:
    """The red ones: open and past their due date, most overdue first."""
    if viewer.sees.nothing:
        return []
    async with uow:
        return await uow.views.open_lines(viewer.sees, today, overdue_only=True, limit=limit)


async def timeline(
    viewer: Viewer, advice_request_id: UUID, *, today: date, uow: HealthAdviceUnitOfWork
) -> RequestTimeline:
    """One request's steps, dated, with who took each (by organisation); ``AdviceRequestNotFound`` for a request
    the viewer may not read in full (the requesting LA sees status only)."""
    async with uow:
        request = await uow.requests.get(advice_request_id)
        if request is None or not may_read_in_full(viewer.sees, request):
            raise AdviceRequestNotFound(advice_request_id)
        team = await uow.routing.team(request.team_id) if request.team_id is not None else None
    return _timeline(
        request, today, team.name if team is not None else None, team.kind.code if team is not None else None
    )


async def turnaround_distribution(
    viewer: Viewer, since: date, *, uow: HealthAdviceUnitOfWork
) -> list[TurnaroundBucket]:
    """Advice submitted on or after ``since``, by days from receipt to submission (0-14, ..., 85+)."""
    if viewer.sees.nothing:
        return [TurnaroundBucket(first, last, 0) for first, last in TURNAROUND_BUCKETS]
    async with uow:
        return await uow.views.turnaround(viewer.sees, since)


async def share_within_limit(
    viewer: Viewer, by: ShareBy, *, uow: HealthAdviceUnitOfWork, since: date | None = None
) -> list[ShareRow]:
    """Answered and on time, by provider team, requesting LA or month of submission."""
    if viewer.sees.nothing:
        return []
    async with uow:
        return await uow.views.share_within_limit(viewer.sees, by, since)


async def csv_lines(
    viewer: Viewer, filters: CsvFilters, *, today: date, uow: HealthAdviceUnitOfWork
) -> AsyncGenerator[list[str]]:
    """The export as CSV lines (no terminators), in chunks as it is read: ``CSV_HEADER`` first, then one line per
    request the viewer may see. The unit of work stays open until the last chunk (or the caller closes it)."""
    yield [csv_line(CSV_HEADER)]
    if viewer.sees.nothing:
        return
    async with uow:
        async for chunk in uow.views.export(viewer.sees, filters, today):
            yield chunk


def _timeline(request: AdviceRequest, today: date, team_name: str | None, team_kind: str | None) -> RequestTimeline:
    submitted = request.submitted_on
    due = request.submitted_due_on or request.due_on(today)
    stops = tuple(
        ClockStopLine(stop.reason.value, stop.started_on, stop.ended_on, stopped_days([stop], today))
        for stop in request.clock_stops
    )
    steps = tuple(
        TimelineStep(entry.step, entry.on, entry.at, entry.by.organisation, entry.detail) for entry in request.history
    )
    return RequestTimeline(
        request.advice_request_id, request.assessment_id, request.requesting_la, request.icb, request.team_id,
        team_name, team_kind, request.status, request.received_on, due, request.rag(today), request.assigned_to,
        stops, steps, submitted, request.on_time, request.days_late, request.turnaround_days,
    )  # fmt: skip
