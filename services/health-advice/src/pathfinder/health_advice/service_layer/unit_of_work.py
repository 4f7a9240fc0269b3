"""The health-advice unit of work as the use cases see it; the SQL one is in the adapters, the fast tests use a
fake. Metrics measured in a transaction are recorded only once it commits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from pathfinder.health_advice.domain.access import Visibility
from pathfinder.health_advice.domain.advice_request import AdviceRequest, AdviceStatus
from pathfinder.health_advice.domain.clock import Rag
from pathfinder.health_advice.domain.routing import ProviderTeam, RoutingRule
from pathfinder.health_advice.service_layer.ports import AdviceMetrics, Measurement, NoMetrics
from pathfinder.health_advice.service_layer.views import (
    CsvFilters,
    RequestLine,
    ShareBy,
    ShareRow,
    TurnaroundBucket,
)
from pathfinder.messaging.unit_of_work import UnitOfWork


class AdviceRequests(Protocol):
    @property
    def seen(self) -> Iterable[AdviceRequest]: ...

    async def get(self, advice_request_id: UUID) -> AdviceRequest | None:
        """The request, locked for the transaction."""
        ...

    async def add(self, request: AdviceRequest) -> bool:
        """Store a new request; False (and nothing stored) if one with its id exists already."""
        ...

    async def save(self, request: AdviceRequest) -> None:
        """The request as it now stands, with when its next alert is owed."""
        ...

    async def claim_alerts_due(self, now: datetime, limit: int) -> list[AdviceRequest]:
        """Up to ``limit`` requests owing an alert by ``now``, soonest first, locked (skipping those another
        worker holds) until the transaction ends."""
        ...

    async def search(
        self, seen: Visibility, *, statuses: tuple[AdviceStatus, ...] = (), team_id: str | None = None,
        limit: int = 100,
    ) -> list[AdviceRequest]:  # fmt: skip
        """Requests ``seen`` may read, oldest received first, unlocked (not in ``seen`` of the repository)."""
        ...


class Routing(Protocol):
    async def rules(self, icb: str | None = None) -> list[RoutingRule]:
        """The ICB's rules (every ICB's when None), LA-specific first, by priority."""
        ...

    async def team(self, team_id: str) -> ProviderTeam | None: ...

    async def teams(self, icb: str | None = None) -> list[ProviderTeam]: ...

    async def add_team(self, team: ProviderTeam) -> None:
        """A new team, or the team of that id as now given."""
        ...

    async def add_rule(self, rule: RoutingRule) -> None:
        """A new rule, or the priority of the same ICB, LA and team changed."""
        ...

    async def add_lead(self, team_id: str, subject: str) -> None:
        """The person (their account subject) leads the team; given again, nothing changes."""
        ...

    async def leads(self, team_id: str | None = None) -> list[tuple[str, str]]:
        """(team id, subject) of every lead (of the team)."""
        ...

    async def teams_led_by(self, subject: str) -> frozenset[str]: ...


class AdviceViews(Protocol):
    """The dashboard's read model over every request ``seen`` may read in full (and the requesting LA's status
    lines): the SQL one and the fake answer alike."""

    async def open_lines(
        self, seen: Visibility, today: date, *, overdue_only: bool = False, limit: int | None = None
    ) -> list[RequestLine]:
        """Open requests, soonest due first (most overdue first), then by received date and id."""
        ...

    async def turnaround(self, seen: Visibility, since: date) -> list[TurnaroundBucket]:
        """Requests submitted on or after ``since`` in each of ``TURNAROUND_BUCKETS`` (empty buckets too)."""
        ...

    async def share_within_limit(self, seen: Visibility, by: ShareBy, since: date | None) -> list[ShareRow]:
        """Requests submitted (on or after ``since``), answered and on time, by key in key order."""
        ...

    def export(self, seen: Visibility, filters: CsvFilters, today: date) -> AsyncIterator[list[str]]:
        """Every request matching ``filters`` as its CSV line (``views.csv_line`` of its ``ExportRow``), by
        received date then id, in chunks of at most :data:`EXPORT_CHUNK` (an ICB's export is never held whole)."""
        ...

    async def open_by_rag(self, today: date) -> dict[tuple[str, Rag], int]:
        """Open requests of every ICB by RAG, for the gauge."""
        ...


class HealthAdviceUnitOfWork(UnitOfWork):
    requests: AdviceRequests
    routing: Routing
    views: AdviceViews
    metrics: AdviceMetrics = NoMetrics()

    def repositories(self) -> Iterable[Any]:
        return (self.requests,)

    def measure(self, measurement: Measurement) -> None:
        """Recorded in ``metrics`` if the transaction commits."""
        self._pending_measurements().append(measurement)

    def _pending_measurements(self) -> list[Measurement]:
        if not hasattr(self, "_measurements"):
            self._measurements: list[Measurement] = []
        return self._measurements

    async def __aenter__(self) -> Self:
        self._measurements = []
        return await super().__aenter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._measurements = []
        await super().__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        await super().commit()
        measured, self._measurements = self._pending_measurements(), []
        for measurement in measured:
            self.metrics.record(measurement)

    async def rollback(self) -> None:
        self._measurements = []
        await super().rollback()
