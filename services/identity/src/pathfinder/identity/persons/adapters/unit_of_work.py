"""The person index's unit of work on PostgreSQL: persons, the review queue and the audit log change together
with the outbox rows of the events they raise, in one database transaction."""

from __future__ import annotations

from pathfinder.identity.persons.adapters.audit_log import SqlAuditLog
from pathfinder.identity.persons.adapters.person_repository import SqlPersonRepository
from pathfinder.identity.persons.adapters.review_repository import SqlMatchReviewRepository
from pathfinder.identity.persons.adapters.vault import PersonVault
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class SqlPersonIndexUnitOfWork(SqlUnitOfWork, PersonIndexUnitOfWork):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, source: str, vault: PersonVault) -> None:
        super().__init__(session_factory, source=source)
        self.vault = vault

    def open_repositories(self, session: AsyncSession) -> None:
        self.persons = SqlPersonRepository(session, self.vault)
        self.reviews = SqlMatchReviewRepository(session, self.vault)
        self.audit = SqlAuditLog(session)
