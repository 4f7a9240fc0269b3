"""Organisations, API clients with their keys, spent assertion ids and people's accounts in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pathfinder.auth import OrganisationRole, Scope
from pathfinder.identity.access.adapters.tables import (
    api_client,
    api_client_key,
    client_assertion_jti,
    organisation,
    person_account,
)
from pathfinder.identity.access.domain.clients import ApiClient, ClientKey
from pathfinder.identity.access.domain.organisations import Organisation
from pathfinder.identity.access.domain.person_accounts import PersonAccount
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession


def _organisation(row: Any) -> Organisation:
    return Organisation(code=row.code, name=row.name, role=OrganisationRole(row.role), active=row.active)


_ORGANISATION_OF = (
    organisation.c.code.label("org_code"),
    organisation.c.name.label("org_name"),
    organisation.c.role.label("org_role"),
    organisation.c.active.label("org_active"),
)


def _organisation_of(row: Any) -> Organisation:
    return Organisation(
        code=row.org_code, name=row.org_name, role=OrganisationRole(row.org_role), active=row.org_active
    )


def _scopes(values: Sequence[str]) -> frozenset[Scope]:
    return frozenset(Scope(value) for value in values)


class SqlOrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, code: str) -> Organisation | None:
        row = (await self._session.execute(select(organisation).where(organisation.c.code == code))).one_or_none()
        return None if row is None else _organisation(row)

    async def all(self) -> list[Organisation]:
        rows = await self._session.execute(select(organisation).order_by(organisation.c.role, organisation.c.code))
        return [_organisation(row) for row in rows]

    async def add(self, org: Organisation) -> None:
        await self._session.execute(
            insert(organisation).values(code=org.code, name=org.name, role=org.role.value, active=org.active)
        )

    async def rename(self, code: str, name: str) -> None:
        await self._session.execute(update(organisation).where(organisation.c.code == code).values(name=name))


class SqlApiClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, client_id: str) -> ApiClient | None:
        query = (
            select(api_client, *_ORGANISATION_OF)
            .join(organisation, organisation.c.code == api_client.c.organisation_code)
            .where(api_client.c.client_id == client_id)
        )
        row = (await self._session.execute(query)).one_or_none()
        if row is None:
            return None
        keys = await self._session.execute(select(api_client_key).where(api_client_key.c.client_id == client_id))
        return ApiClient(
            client_id=row.client_id,
            organisation=_organisation_of(row),
            name=row.name,
            scopes=_scopes(row.scopes),
            registered_at=row.registered_at,
            revoked_at=row.revoked_at,
            keys={key.kid: ClientKey(key.kid, key.public_jwk, key.added_at, key.revoked_at) for key in keys},
        )

    async def of_organisation(self, code: str) -> list[ApiClient]:
        ids = await self._session.scalars(
            select(api_client.c.client_id)
            .where(api_client.c.organisation_code == code)
            .order_by(api_client.c.registered_at)
        )
        return [client for client_id in ids.all() if (client := await self.get(client_id)) is not None]

    async def add(self, client: ApiClient) -> None:
        await self._session.execute(
            insert(api_client).values(
                client_id=client.client_id,
                organisation_code=client.organisation.code,
                name=client.name,
                scopes=sorted(scope.value for scope in client.scopes),
                registered_at=client.registered_at,
                revoked_at=client.revoked_at,
            )
        )
        for key in client.keys.values():
            await self.add_key(client.client_id, key)

    async def add_key(self, client_id: str, key: ClientKey) -> None:
        await self._session.execute(
            insert(api_client_key).values(
                client_id=client_id, kid=key.kid, public_jwk=dict(key.public_jwk), added_at=key.added_at
            )
        )

    async def revoke_key(self, client_id: str, key: ClientKey) -> None:
        await self._session.execute(
            update(api_client_key)
            .where(api_client_key.c.client_id == client_id, api_client_key.c.kid == key.kid)
            .values(revoked_at=key.revoked_at)
        )

    async def revoke(self, client: ApiClient) -> None:
        await self._session.execute(
            update(api_client).where(api_client.c.client_id == client.client_id).values(revoked_at=client.revoked_at)
        )


class SqlAssertionLedger:
    """Client assertion ids already used."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def spend(self, client_id: str, jti: str, remember_until: datetime) -> bool:
        """True the first time; False for a replay (in this process or any other)."""
        spent = await self._session.execute(
            pg_insert(client_assertion_jti)
            .values(client_id=client_id, jti=jti, remember_until=remember_until)
            .on_conflict_do_nothing()
            .returning(client_assertion_jti.c.jti)
        )
        return spent.first() is not None

    async def forget_expired(self, now: datetime) -> int:
        result = await self._session.execute(
            delete(client_assertion_jti)
            .where(client_assertion_jti.c.remember_until < now)
            .returning(client_assertion_jti.c.jti)
        )
        return len(result.all())


class SqlPersonAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_username(self, username: str) -> PersonAccount | None:
        """The account, locked against concurrent sign-ins until the transaction ends (so failures add up)."""
        query = (
            select(person_account, *_ORGANISATION_OF)
            .join(organisation, organisation.c.code == person_account.c.organisation_code)
            .where(person_account.c.username == username)
            .with_for_update(of=person_account)
        )
        row = (await self._session.execute(query)).one_or_none()
        if row is None:
            return None
        return PersonAccount(
            account_id=row.account_id,
            username=row.username,
            display_name=row.display_name,
            organisation=_organisation_of(row),
            scopes=_scopes(row.scopes),
            password_hash=row.password_hash,
            created_at=row.created_at,
            failed_attempts=row.failed_attempts,
            locked_until=row.locked_until,
            disabled_at=row.disabled_at,
            last_signed_in_at=row.last_signed_in_at,
        )

    async def add(self, account: PersonAccount) -> None:
        await self._session.execute(
            insert(person_account).values(
                account_id=account.account_id,
                username=account.username,
                display_name=account.display_name,
                organisation_code=account.organisation.code,
                scopes=sorted(scope.value for scope in account.scopes),
                password_hash=account.password_hash,
                created_at=account.created_at,
            )
        )

    async def save_attempt(self, account: PersonAccount) -> None:
        await self._session.execute(
            update(person_account)
            .where(person_account.c.account_id == account.account_id)
            .values(
                failed_attempts=account.failed_attempts,
                locked_until=account.locked_until,
                last_signed_in_at=account.last_signed_in_at,
                password_hash=account.password_hash,
            )
        )
