"""The unit of work of the person index: persons, the review queue and the audit log change together with
the outbox rows of the events they raise, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from pathfinder.identity.adapters.audit_log import AuditLog
from pathfinder.identity.adapters.person_repository import PersonRepository
from pathfinder.identity.adapters.person_review_repository import MatchReviewRepository
from pathfinder.identity.adapters.person_vault import PersonVault
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.unit_of_work import TracksAggregates
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class IdentityUnitOfWork(SqlUnitOfWork):
    persons: PersonRepository
    reviews: MatchReviewRepository
    audit: AuditLog

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, source: str, vault: PersonVault) -> None:
        super().__init__(session_factory, source=source)
        self.vault = vault

    def open_repositories(self, session: AsyncSession) -> None:
        self.persons = PersonRepository(session, self.vault)
        self.reviews = MatchReviewRepository(session, self.vault)
        self.audit = AuditLog(session)

    def repositories(self) -> Iterable[TracksAggregates]:
        return (self.persons,)
