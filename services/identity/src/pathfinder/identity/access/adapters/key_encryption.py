"""Identity's own signing keys, stored in its database with the private key encrypted.

The private key is sealed with AES-256-GCM under a key-encryption key that never enters the database (a
setting, normally injected from a secret store), with the kid as associated data so a sealed key cannot be
passed off under another kid. Every replica reads the same rows, so no shared volume is needed, and a copy of
the database alone does not give away the key that signs access tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from pathfinder.identity.adapters.access_tables import signing_key
from pathfinder.persistence.sealing import SealingError, SecretSealer
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

# Part of every stored key_encryption_key_id: changing it would orphan the signing keys already stored.
KEY_ID_PREFIX = "pathfinder-identity-kek:"
_SIGNING_KEY_LOCK = 0x5041_5448_4B45_59  # "PATHKEY": one process creates or rotates keys at a time

KeyEncryptionError = SealingError


class KeyEncryption(SecretSealer):
    """Seals and opens private keys with the key-encryption key; the kid is the associated data."""

    def __init__(self, key: bytes, *, key_id_prefix: str = KEY_ID_PREFIX) -> None:
        super().__init__(key, key_id_prefix=key_id_prefix)

    @classmethod
    def from_text(cls, text: str, *, key_id_prefix: str = KEY_ID_PREFIX) -> Self:
        return super().from_text(text, key_id_prefix=key_id_prefix)

    @classmethod
    def generate(cls, *, key_id_prefix: str = KEY_ID_PREFIX) -> Self:
        return super().generate(key_id_prefix=key_id_prefix)


@dataclass(frozen=True)
class StoredSigningKey:
    kid: str
    public_jwk: dict[str, Any]
    encrypted_private_key: bytes
    key_encryption_key_id: str
    created_at: datetime
    activates_at: datetime
    retires_at: datetime | None = None

    def published_at(self, now: datetime) -> bool:
        return self.retires_at is None or self.retires_at > now

    def signs_at(self, now: datetime) -> bool:
        return self.activates_at <= now and self.published_at(now)


class SigningKeyStore:
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
