"""Identity's own signing keys, stored in its database with the private key encrypted.

The private key is sealed with AES-256-GCM under a key-encryption key that never enters the database (a
setting, normally injected from a secret store), with the kid as associated data so a sealed key cannot be
passed off under another kid. Every replica reads the same rows, so no shared volume is needed, and a copy of
the database alone does not give away the key that signs access tokens.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Self

from pathfinder.auth.keys import SigningKey
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey
from pathfinder.persistence.sealing import SecretSealer

# Part of every stored key_encryption_key_id: changing it would orphan the signing keys already stored.
KEY_ID_PREFIX = "pathfinder-identity-kek:"


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

    def open_signing_key(self, stored: StoredSigningKey) -> SigningKey:
        return SigningKey.from_pem(self.open(stored.kid, stored.encrypted_private_key), kid=stored.kid)


class SealedKeyMaker:
    """Makes RSA signing keys and seals their private halves under the key-encryption key."""

    def __init__(self, encryption: KeyEncryption, *, bits: int) -> None:
        self._encryption = encryption
        self._bits = bits

    @property
    def key_encryption_key_id(self) -> str:
        return self._encryption.key_id

    async def make(self, *, now: datetime, activates_at: datetime) -> StoredSigningKey:
        key = await asyncio.to_thread(SigningKey.generate, self._bits)
        return StoredSigningKey(
            kid=key.kid,
            public_jwk=key.public_jwk(),
            encrypted_private_key=self._encryption.seal(key.kid, key.private_pem()),
            key_encryption_key_id=self._encryption.key_id,
            created_at=now,
            activates_at=activates_at,
        )
