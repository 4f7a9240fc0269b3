"""Access's unit of work on PostgreSQL: the registry and signing keys change in one database transaction."""

from __future__ import annotations

from pathfinder.identity.access.adapters.repositories import (
    SqlApiClientRepository,
    SqlAssertionLedger,
    SqlOrganisationRepository,
    SqlPersonAccountRepository,
)
from pathfinder.identity.access.adapters.signing_key_store import SqlSigningKeyStore
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class SqlAccessUnitOfWork(SqlUnitOfWork, AccessUnitOfWork):
    def open_repositories(self, session: AsyncSession) -> None:
        self.organisations = SqlOrganisationRepository(session)
        self.clients = SqlApiClientRepository(session)
        self.assertions = SqlAssertionLedger(session)
        self.accounts = SqlPersonAccountRepository(session)
        self.signing_keys = SqlSigningKeyStore(session)
