"""The unit of work of the access side of identity."""

from __future__ import annotations

from pathfinder.identity.adapters.access_repository import (
    ApiClientRepository,
    AssertionLedger,
    OrganisationRepository,
    PersonAccountRepository,
)
from pathfinder.identity.adapters.access_signing_keys import SigningKeyStore
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


class AccessUnitOfWork(SqlUnitOfWork):
    organisations: OrganisationRepository
    clients: ApiClientRepository
    assertions: AssertionLedger
    accounts: PersonAccountRepository
    signing_keys: SigningKeyStore

    def open_repositories(self, session: AsyncSession) -> None:
        self.organisations = OrganisationRepository(session)
        self.clients = ApiClientRepository(session)
        self.assertions = AssertionLedger(session)
        self.accounts = PersonAccountRepository(session)
        self.signing_keys = SigningKeyStore(session)
