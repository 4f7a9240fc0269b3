"""The DCO's pages: open requests by due date, the overdue list, turnaround and the share answered within 6 weeks
(charts over tables), one request's timeline, and the CSV export. Every figure comes from the read model
(``service_layer/dashboard.py``) and each page shows the read model's own words on how it is counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import date, timedelta
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from pathfinder.health_advice.domain.advice_request import AdviceStatus
from pathfinder.health_advice.domain.clock import ADVICE_DAYS, Rag
from pathfinder.health_advice.entrypoints.dashboard_actions import timeline_page
from pathfinder.health_advice.entrypoints.dashboard_http import (
    PREFIX,
    SECURITY_HEADERS,
    Dashboard,
    problem_page,
    render,
)
from pathfinder.health_advice.entrypoints.dashboard_session import Session, signed_in
from pathfinder.health_advice.service_layer import dashboard as read_model
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound
from pathfinder.health_advice.service_layer.routing import routing_table
from pathfinder.health_advice.service_layer.views import HOW_COUNTED, CsvFilters, RequestLine, ShareBy

LIST_LIMIT = 200
"""Rows a list page shows; the CSV has every one."""
PERFORMANCE_YEAR = timedelta(days=365)
SHARES: tuple[tuple[ShareBy, str, str], ...] = (
    ("team", "provider team", "Provider team"),
    ("la", "requesting LA", "Requesting LA"),
    ("month", "month", "Month"),
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)


class BadFilter(ValueError):
    pass


def _rag_counts(lines: list[RequestLine]) -> dict[str, int]:
    counted = Counter(line.rag for line in lines)
    return {rag.value: counted.get(rag, 0) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN)}


async def _teams(session: Session, dashboard: Dashboard) -> list[tuple[str, str]]:
    """The teams a filter may name: the ICB's own, for a person of an ICB."""
    table = await routing_table(uow=dashboard.unit_of_work(), icb=session.principal.organisation)
    return [(team.team_id, team.name) for team in table.teams]


@router.get("")
async def open_requests(request: Request, dashboard: Dashboard) -> Response:
    session = await signed_in(request, dashboard)
    if not isinstance(session, Session):
        return session
    today = dashboard.today()
    lines = await read_model.open_requests(session.viewer, today, uow=dashboard.unit_of_work(), limit=LIST_LIMIT + 1)
    return render(
        "open_requests.html", page="open", session=session, today=today, lines=lines[:LIST_LIMIT],
        more=len(lines) > LIST_LIMIT, limit=LIST_LIMIT, counts=_rag_counts(lines[:LIST_LIMIT]),
        how=HOW_COUNTED, statuses=[status.value for status in AdviceStatus], teams=await _teams(session, dashboard),
    )  # fmt: skip


@router.get("/overdue")
async def overdue(request: Request, dashboard: Dashboard) -> Response:
    session = await signed_in(request, dashboard)
    if not isinstance(session, Session):
        return session
    today = dashboard.today()
    lines = await read_model.overdue(session.viewer, today, uow=dashboard.unit_of_work(), limit=LIST_LIMIT + 1)
    return render(
        "overdue.html", page="overdue", session=session, today=today, lines=lines[:LIST_LIMIT],
        more=len(lines) > LIST_LIMIT, limit=LIST_LIMIT, how=HOW_COUNTED,
    )  # fmt: skip


@router.get("/performance")
async def performance(request: Request, dashboard: Dashboard, since: str | None = None) -> Response:
    session = await signed_in(request, dashboard)
    if not isinstance(session, Session):
        return session
    today = dashboard.today()
    try:
        start = _date(since, "since") or today - PERFORMANCE_YEAR
    except BadFilter as bad:
        return problem_page(400, "Check the date", str(bad), session=session)
    buckets = await read_model.turnaround_distribution(session.viewer, start, uow=dashboard.unit_of_work())
    shares = [
        (
            by,
            label,
            column,
            await read_model.share_within_limit(session.viewer, by, uow=dashboard.unit_of_work(), since=start),
        )
        for by, label, column in SHARES
    ]
    return render(
        "performance.html", page="performance", session=session, today=today, since=start, buckets=buckets,
        limit_days=ADVICE_DAYS, shares=shares, how=HOW_COUNTED,
    )  # fmt: skip


@router.get("/requests.csv")
async def export(request: Request, dashboard: Dashboard) -> Response:
    session = await signed_in(request, dashboard)
    if not isinstance(session, Session):
        return session
    try:
        filters = csv_filters(request)
    except BadFilter as bad:
        return problem_page(400, "Check the export's filters", str(bad), session=session)
    today = dashboard.today()
    lines = read_model.csv_lines(session.viewer, filters, today=today, uow=dashboard.unit_of_work())
    return StreamingResponse(
        _csv_text(lines),
        media_type="text/csv; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="advice-requests-{today.isoformat()}.csv"',
        },
    )


@router.get("/requests/{advice_request_id}")
async def request_timeline(request: Request, advice_request_id: str, dashboard: Dashboard) -> Response:
    session = await signed_in(request, dashboard)
    if not isinstance(session, Session):
        return session
    missing = problem_page(404, "No such advice request", "There is no advice request here that you may see.")
    try:
        request_id = UUID(advice_request_id)
        timeline = await read_model.timeline(
            session.viewer, request_id, today=dashboard.today(), uow=dashboard.unit_of_work()
        )
    except (ValueError, AdviceRequestNotFound):
        return missing
    return timeline_page(session, dashboard, timeline, done=request.query_params.get("done"))


def csv_filters(request: Request) -> CsvFilters:
    query = request.query_params
    try:
        statuses = tuple(AdviceStatus(value) for value in query.getlist("status") if value)
    except ValueError:
        raise BadFilter(f"A status is one of {', '.join(status.value for status in AdviceStatus)}.") from None
    la = query.get("la", "").strip() or None
    if la is not None and not (len(la) == 3 and la.isdigit()):
        raise BadFilter("An LA is its three-digit DfE code, such as 841.")
    received_from, received_to = _date(query.get("received_from"), "from"), _date(query.get("received_to"), "to")
    if received_from and received_to and received_from > received_to:
        raise BadFilter("The first day received comes before the last.")
    team = query.get("team", "").strip() or None
    return CsvFilters(statuses, la, team, received_from, received_to)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"Give the '{name}' date as YYYY-MM-DD.") from None


async def _csv_text(chunks: AsyncGenerator[list[str]]) -> AsyncIterator[str]:
    """Each chunk of lines while the next is read; closing ``chunks`` (a client gone) ends its transaction."""
    async with aclosing(chunks):
        async for chunk in chunks:
            yield "".join(f"{line}\r\n" for line in chunk)
