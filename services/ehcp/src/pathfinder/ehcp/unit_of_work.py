"""The ehcp unit of work."""

from __future__ import annotations

from pathfinder.ehcp.adapters.repository import ChildCaseRepository
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class EhcpUnitOfWork(SqlUnitOfWork):
    cases: ChildCaseRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.cases = ChildCaseRepository(session)
