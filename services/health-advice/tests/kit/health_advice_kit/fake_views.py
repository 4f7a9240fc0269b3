"""The dashboard's read model over requests in memory, answering as the SQL one does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from uuid import UUID

from pathfinder.health_advice.domain.access import Visibility, may_read
from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pathfinder.health_advice.domain.clock import ADVICE_DAYS, Rag, rag
from pathfinder.health_advice.domain.routing import ProviderTeam
from pathfinder.health_advice.service_layer.views import (
    TURNAROUND_BUCKETS,
    UNROUTED,
    CsvFilters,
    ExportRow,
    RequestLine,
    ShareBy,
    ShareRow,
    TurnaroundBucket,
    csv_line,
)


class FakeAdviceViews:
    export_chunk = 4  # small, so that the tests' exports run across chunks

    def __init__(
        self, requests: Callable[[], dict[UUID, AdviceRequest]], teams: Callable[[], dict[str, ProviderTeam]]
    ) -> None:
        self._requests, self._teams = requests, teams

    def _seen(self, seen: Visibility) -> list[AdviceRequest]:
        return [request for request in self._requests().values() if may_read(seen, request)]

    def _team(self, request: AdviceRequest) -> ProviderTeam | None:
        return self._teams().get(request.team_id) if request.team_id is not None else None

    def _line(self, request: AdviceRequest, today: date) -> RequestLine:
        due, team, stopped = request.due_terms().on(today), self._team(request), request.clock_stopped
        return RequestLine(
            request.advice_request_id, request.requesting_la, request.icb, request.team_id,
            team.name if team else None, team.kind.code if team else None, request.received_on, due,
            (due - today).days, rag(due, today, clock_stopped=stopped), request.status, stopped,
        )  # fmt: skip

    async def open_lines(
        self, seen: Visibility, today: date, *, overdue_only: bool = False, limit: int | None = None
    ) -> list[RequestLine]:
        lines = [self._line(request, today) for request in self._seen(seen) if request.open_request]
        if overdue_only:
            lines = [line for line in lines if line.due_on < today]
        lines.sort(key=lambda line: (line.due_on, line.received_on, line.advice_request_id))
        return lines[:limit] if limit is not None else lines

    async def turnaround(self, seen: Visibility, since: date) -> list[TurnaroundBucket]:
        days = [
            request.turnaround_days
            for request in self._seen(seen)
            if request.submitted_on is not None and request.submitted_on >= since
        ]
        return [
            TurnaroundBucket(
                first, last, sum(1 for d in days if d is not None and first <= d and (last is None or d <= last))
            )
            for first, last in TURNAROUND_BUCKETS
        ]

    async def share_within_limit(self, seen: Visibility, by: ShareBy, since: date | None) -> list[ShareRow]:
        rows: dict[tuple[str, str], list[int]] = {}
        for request in self._seen(seen):
            submitted = request.submitted_on
            if submitted is None or (since is not None and submitted < since):
                continue
            counts = rows.setdefault(self._key(request, by, submitted), [0, 0])
            counts[0] += 1
            counts[1] += 1 if request.on_time else 0
        return [ShareRow(key, label, answered, on_time) for (key, label), (answered, on_time) in sorted(rows.items())]

    def _key(self, request: AdviceRequest, by: ShareBy, submitted: date) -> tuple[str, str]:
        if by == "team":
            team = self._team(request)
            return (request.team_id or UNROUTED, team.name if team is not None else "Unrouted")
        if by == "la":
            return (request.requesting_la, request.requesting_la)
        return (submitted.strftime("%Y-%m"),) * 2

    async def export(self, seen: Visibility, filters: CsvFilters, today: date) -> AsyncIterator[list[str]]:
        found = sorted(
            (request for request in self._seen(seen) if _matches(request, filters)),
            key=lambda request: (request.received_on, request.advice_request_id),
        )
        for start in range(0, len(found), self.export_chunk):
            chunk = found[start : start + self.export_chunk]
            yield [csv_line(self._export(request, today).cells()) for request in chunk]

    def _export(self, request: AdviceRequest, today: date) -> ExportRow:
        line, is_open = self._line(request, today), request.open_request
        return ExportRow(
            line.advice_request_id, request.assessment_id, line.requesting_la, line.icb, line.team_id,
            line.team_name, line.team_kind, request.status, line.received_on, line.due_on,
            line.days_left if is_open else None, line.rag if is_open else None, line.clock_stopped,
            (line.due_on - line.received_on).days - ADVICE_DAYS, request.accepted_on, request.submitted_on,
            request.on_time, request.days_late, request.turnaround_days,
        )  # fmt: skip

    async def open_by_rag(self, today: date) -> dict[tuple[str, Rag], int]:
        counts: dict[tuple[str, Rag], int] = {}
        for request in self._requests().values():
            if request.open_request:
                line = self._line(request, today)
                counts[(line.icb, line.rag)] = counts.get((line.icb, line.rag), 0) + 1
        return counts


def _matches(request: AdviceRequest, filters: CsvFilters) -> bool:
    return (
        (not filters.statuses or request.status in filters.statuses)
        and (filters.requesting_la is None or request.requesting_la == filters.requesting_la)
        and (filters.team_id is None or request.team_id == filters.team_id)
        and (filters.received_from is None or request.received_on >= filters.received_from)
        and (filters.received_to is None or request.received_on <= filters.received_to)
    )
