"""Identity's own signing keys as the ring holds them, and which of them signs and which are published.

A key is published (in the JWKS) from the moment it is stored until it retires; it signs from ``activates_at``,
and only a key sealed under the key-encryption key this process holds can sign here. Rotation publishes the new
key before it signs, so verifiers that refresh their JWKS know it by then, and retires the keys it replaces
only after the last token they signed has expired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


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


def signing_key_now(
    keys: Iterable[StoredSigningKey], now: datetime, key_encryption_key_id: str
) -> StoredSigningKey | None:
    """The newest key that signs at ``now`` and that the holder of ``key_encryption_key_id`` can open."""
    usable = [key for key in keys if key.signs_at(now) and key.key_encryption_key_id == key_encryption_key_id]
    return max(usable, key=lambda key: key.activates_at, default=None)


def published_keys(keys: Iterable[StoredSigningKey], now: datetime) -> list[StoredSigningKey]:
    return [key for key in keys if key.published_at(now)]
