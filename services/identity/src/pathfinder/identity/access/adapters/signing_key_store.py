"""Identity's signing keys in PostgreSQL (private keys only ever sealed: see ``key_encryption``)."""

from __future__ import annotations

from datetime import datetime

from pathfinder.identity.access.adapters.tables import signing_key
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

_SIGNING_KEY_LOCK = 0x5041_5448_4B45_59  # "PATHKEY": one process creates or rotates keys at a time


class SqlSigningKeyStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self) -> None:
        await self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SIGNING_KEY_LOCK})

    async def all(self) -> list[StoredSigningKey]:
        rows = await self._session.execute(select(signing_key).order_by(signing_key.c.activates_at))
        return [
            StoredSigningKey(
                kid=row.kid,
                public_jwk=dict(row.public_jwk),
                encrypted_private_key=bytes(row.encrypted_private_key),
                key_encryption_key_id=row.key_encryption_key_id,
                created_at=row.created_at,
                activates_at=row.activates_at,
                retires_at=row.retires_at,
            )
            for row in rows
        ]

    async def add(self, key: StoredSigningKey) -> None:
        await self._session.execute(
            insert(signing_key).values(
                kid=key.kid,
                public_jwk=key.public_jwk,
                encrypted_private_key=key.encrypted_private_key,
                key_encryption_key_id=key.key_encryption_key_id,
                created_at=key.created_at,
                activates_at=key.activates_at,
                retires_at=key.retires_at,
            )
        )

    async def retire(self, kid: str, at: datetime) -> None:
        await self._session.execute(update(signing_key).where(signing_key.c.kid == kid).values(retires_at=at))
