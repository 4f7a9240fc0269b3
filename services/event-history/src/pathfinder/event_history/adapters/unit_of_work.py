"""The event history's unit of work on PostgreSQL. It publishes nothing: the service emits no events."""

from __future__ import annotations

from pathfinder.event_history.adapters.archive_repository import SqlArchive
from pathfinder.event_history.adapters.audit_repository import SqlAuditLog
from pathfinder.event_history.adapters.replay_repository import SqlReplays
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class SqlEventHistoryUnitOfWork(SqlUnitOfWork, EventHistoryUnitOfWork):
    archive: SqlArchive
    audit: SqlAuditLog
    replays: SqlReplays

    def open_repositories(self, session: AsyncSession) -> None:
        self.archive = SqlArchive(session)
        self.audit = SqlAuditLog(session)
        self.replays = SqlReplays(session)
