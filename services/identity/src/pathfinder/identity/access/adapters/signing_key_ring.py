"""Identity's signing key ring: the key that signs access tokens now, and every key the JWKS publishes.

The first key is made on first use. Rotation adds a key that is published ``publish_ahead`` before it signs
anything (verifiers pick it up with their next JWKS refresh), and keeps the key it replaces published until the
last token that key signed has expired. Each process reads the ring from the database and re-reads it every
``refresh_seconds``, so rotation needs no restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import rsa
from pathfinder.auth.keys import SigningKey, jwks_document, rsa_public_key_from_jwk
from pathfinder.identity.access.unit_of_work import AccessUnitOfWork
from pathfinder.identity.adapters.access_signing_keys import KeyEncryption, StoredSigningKey

log = logging.getLogger(__name__)
_UNKNOWN_KID_RELOAD_SECONDS = 5.0


@dataclass(frozen=True)
class _Ring:
    keys: list[StoredSigningKey]
    loaded_at: float


class SigningKeyRing:
    def __init__(
        self,
        unit_of_work: Callable[[], AccessUnitOfWork],
        encryption: KeyEncryption,
        *,
        bits: int,
        publish_ahead: timedelta,
        retire_after: timedelta,
        refresh_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._unit_of_work = unit_of_work
        self._encryption = encryption
        self._bits = bits
        self._publish_ahead = publish_ahead
        self._retire_after = retire_after  # longest life of a token signed by a key, with clock skew
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._ring: _Ring | None = None
        self._opened: dict[str, SigningKey] = {}
        self._lock = asyncio.Lock()

    async def current(self) -> SigningKey:
        """The key to sign with now; made here the first time the service ever needs one."""
        key = self._signing_key(await self._keys())
        if key is None:
            key = await self._make_first_key()
        return key

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        await self.current()  # the first request for the JWKS may come before the first token
        now = self._clock()
        return jwks_document([stored.public_jwk for stored in await self._keys() if stored.published_at(now)])

    async def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """Identity verifies its own tokens from the ring directly, without fetching its own JWKS."""
        now = self._clock()
        found = next((key for key in await self._keys() if key.kid == kid and key.published_at(now)), None)
        if (
            found is None
            and self._ring is not None
            and time.monotonic() - self._ring.loaded_at > _UNKNOWN_KID_RELOAD_SECONDS
        ):
            found = next((key for key in await self._reload() if key.kid == kid and key.published_at(now)), None)
        return None if found is None else rsa_public_key_from_jwk(found.public_jwk)

    async def rotate(self) -> StoredSigningKey:
        now = self._clock()
        async with self._unit_of_work() as uow:
            await uow.signing_keys.lock()
            existing = await uow.signing_keys.all()
            new = await self._new_key(now, activates_at=now + self._publish_ahead)
            for key in existing:
                if key.retires_at is None:
                    await uow.signing_keys.retire(key.kid, new.activates_at + self._retire_after)
            await uow.signing_keys.add(new)
            await uow.commit()
        await self._reload()
        return new

    async def retire(self, kid: str) -> None:
        """Stop publishing ``kid`` once tokens it signed have expired (at once if it never signed)."""
        now = self._clock()
        async with self._unit_of_work() as uow:
            await uow.signing_keys.lock()
            await uow.signing_keys.retire(kid, now + self._retire_after)
            await uow.commit()
        await self._reload()

    async def _keys(self) -> list[StoredSigningKey]:
        ring = self._ring
        if ring is None or time.monotonic() - ring.loaded_at >= self._refresh_seconds:
            return await self._reload()
        return ring.keys

    async def _reload(self) -> list[StoredSigningKey]:
        asked = time.monotonic()
        async with self._lock:
            if self._ring is not None and self._ring.loaded_at >= asked:
                return self._ring.keys  # reloaded by another request while this one waited
            async with self._unit_of_work() as uow:
                keys = await uow.signing_keys.all()
            self._ring = _Ring(keys, time.monotonic())
            return keys

    def _signing_key(self, keys: list[StoredSigningKey]) -> SigningKey | None:
        now = self._clock()
        usable = [key for key in keys if key.signs_at(now) and key.key_encryption_key_id == self._encryption.key_id]
        if not usable:
            return None
        newest = max(usable, key=lambda key: key.activates_at)
        opened = self._opened.get(newest.kid)
        if opened is None:
            pem = self._encryption.open(newest.kid, newest.encrypted_private_key)
            opened = self._opened[newest.kid] = SigningKey.from_pem(pem, kid=newest.kid)
        return opened

    async def _make_first_key(self) -> SigningKey:
        now = self._clock()
        async with self._unit_of_work() as uow:
            await uow.signing_keys.lock()
            existing = await uow.signing_keys.all()
            if self._signing_key(existing) is None:  # else another process made it while this one waited
                for unusable in existing:
                    if unusable.signs_at(now):
                        log.warning(
                            "signing key %s is sealed under another key-encryption key: retiring it", unusable.kid
                        )
                        await uow.signing_keys.retire(unusable.kid, now + self._retire_after)
                await uow.signing_keys.add(await self._new_key(now, activates_at=now))
                await uow.commit()
        key = self._signing_key(await self._reload())
        assert key is not None
        return key

    async def _new_key(self, now: datetime, *, activates_at: datetime) -> StoredSigningKey:
        key = await asyncio.to_thread(SigningKey.generate, self._bits)
        return StoredSigningKey(
            kid=key.kid,
            public_jwk=key.public_jwk(),
            encrypted_private_key=self._encryption.seal(key.kid, key.private_pem()),
            key_encryption_key_id=self._encryption.key_id,
            created_at=now,
            activates_at=activates_at,
        )
