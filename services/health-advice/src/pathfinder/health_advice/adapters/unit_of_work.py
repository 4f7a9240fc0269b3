"""The health-advice unit of work on PostgreSQL."""

from __future__ import annotations

from pathfinder.health_advice.adapters.advice_request_repository import SqlAdviceRequests
from pathfinder.health_advice.adapters.routing_repository import SqlRouting
from pathfinder.health_advice.adapters.views import SqlAdviceViews
from pathfinder.health_advice.service_layer.ports import AdviceMetrics, NoMetrics
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.messaging.sql_unit_of_work import CrashPoints, SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class SqlHealthAdviceUnitOfWork(SqlUnitOfWork, HealthAdviceUnitOfWork):
    requests: SqlAdviceRequests
    routing: SqlRouting
    views: SqlAdviceViews

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, source: str,
        metrics: AdviceMetrics | None = None, crash_points: CrashPoints | None = None,
    ) -> None:  # fmt: skip
        super().__init__(session_factory, source=source, crash_points=crash_points)
        self.metrics = metrics or NoMetrics()

    def open_repositories(self, session: AsyncSession) -> None:
        self.requests = SqlAdviceRequests(session)
        self.routing = SqlRouting(session)
        self.views = SqlAdviceViews(session)
