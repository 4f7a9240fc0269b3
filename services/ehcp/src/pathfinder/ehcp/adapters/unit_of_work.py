"""The ehcp unit of work on PostgreSQL."""

from __future__ import annotations

from pathfinder.ehcp.adapters.child_case_repository import SqlChildCases
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class SqlEhcpUnitOfWork(SqlUnitOfWork, EhcpUnitOfWork):
    cases: SqlChildCases

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = SqlChildCases(session)
