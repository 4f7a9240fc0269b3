"""The unit of work of access, as its use cases see it: the registry of organisations, API clients and their
keys, spent assertion ids, people's accounts and identity's own signing keys, changed in one transaction.

The repositories are described here by what the use cases ask of them; ``access.adapters`` keeps them in
PostgreSQL, and the fast tests keep them in memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pathfinder.identity.access.domain.clients import ApiClient, ClientKey
from pathfinder.identity.access.domain.organisations import Organisation
from pathfinder.identity.access.domain.person_accounts import PersonAccount
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey
from pathfinder.messaging.unit_of_work import UnitOfWork


class OrganisationRepository(Protocol):
    async def get(self, code: str) -> Organisation | None: ...

    async def all(self) -> list[Organisation]:
        """By role, then code."""
        ...

    async def add(self, org: Organisation) -> None: ...

    async def rename(self, code: str, name: str) -> None: ...


class ApiClientRepository(Protocol):
    async def get(self, client_id: str) -> ApiClient | None: ...

    async def of_organisation(self, code: str) -> list[ApiClient]:
        """In the order they were registered."""
        ...

    async def add(self, client: ApiClient) -> None: ...

    async def add_key(self, client_id: str, key: ClientKey) -> None: ...

    async def revoke_key(self, client_id: str, key: ClientKey) -> None: ...

    async def revoke(self, client: ApiClient) -> None: ...


class AssertionLedger(Protocol):
    """Client assertion ids already used."""

    async def spend(self, client_id: str, jti: str, remember_until: datetime) -> bool:
        """True the first time; False for a replay (in this process or any other)."""
        ...

    async def forget_expired(self, now: datetime) -> int: ...


class PersonAccountRepository(Protocol):
    async def by_username(self, username: str) -> PersonAccount | None:
        """The account, held against concurrent sign-ins until the transaction ends (so failures add up)."""
        ...

    async def add(self, account: PersonAccount) -> None: ...

    async def save_attempt(self, account: PersonAccount) -> None:
        """The outcome of a sign-in: failures, lock, last sign-in and a rehashed password."""
        ...


class SigningKeyStore(Protocol):
    async def lock(self) -> None:
        """Until the transaction ends, no other process creates, rotates or retires keys."""
        ...

    async def all(self) -> list[StoredSigningKey]:
        """In the order they activate."""
        ...

    async def add(self, key: StoredSigningKey) -> None: ...

    async def retire(self, kid: str, at: datetime) -> None: ...


class AccessUnitOfWork(UnitOfWork):
    organisations: OrganisationRepository
    clients: ApiClientRepository
    assertions: AssertionLedger
    accounts: PersonAccountRepository
    signing_keys: SigningKeyStore
