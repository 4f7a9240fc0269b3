"""Identity's signing key ring in each process: the key that signs access tokens now, and every key the JWKS
publishes, read from the store and re-read every ``refresh_seconds``, so rotation needs no restart.

The first key is made on first use. Rotation adds a key that is published ``publish_ahead`` before it signs
anything (verifiers pick it up with their next JWKS refresh), and keeps the key it replaces published until the
last token that key signed has expired (``access.service_layer.signing_keys`` holds those rules).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import rsa
from pathfinder.auth import Principal
from pathfinder.auth.keys import SigningKey, jwks_document, rsa_public_key_from_jwk
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenIssuer, IssuedAccessToken
from pathfinder.identity.access.adapters.key_encryption import KeyEncryption, SealedKeyMaker
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey, published_keys, signing_key_now
from pathfinder.identity.access.service_layer.signing_keys import (
    make_first_signing_key,
    retire_signing_key,
    rotate_signing_key,
    signing_keys,
)
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork

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
        self._maker = SealedKeyMaker(encryption, bits=bits)
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
            await make_first_signing_key(
                uow=self._unit_of_work(), maker=self._maker, now=self._clock(), retire_after=self._retire_after
            )
            key = self._signing_key(await self._reload())
        if key is None:
            raise RuntimeError("no signing key after making the first one")
        return key

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        await self.current()  # the first request for the JWKS may come before the first token
        return jwks_document([stored.public_jwk for stored in published_keys(await self._keys(), self._clock())])

    async def ready(self) -> None:
        """Identity can verify its own tokens once its published keys can be read from its database."""
        await self._keys()

    async def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """Identity verifies its own tokens from the ring directly, without fetching its own JWKS."""
        now = self._clock()
        found = next((key for key in published_keys(await self._keys(), now) if key.kid == kid), None)
        if (
            found is None
            and self._ring is not None
            and time.monotonic() - self._ring.loaded_at > _UNKNOWN_KID_RELOAD_SECONDS
        ):
            found = next((key for key in published_keys(await self._reload(), now) if key.kid == kid), None)
        return None if found is None else rsa_public_key_from_jwk(found.public_jwk)

    async def rotate(self) -> StoredSigningKey:
        new = await rotate_signing_key(
            uow=self._unit_of_work(),
            maker=self._maker,
            now=self._clock(),
            publish_ahead=self._publish_ahead,
            retire_after=self._retire_after,
        )
        await self._reload()
        return new

    async def retire(self, kid: str) -> None:
        await retire_signing_key(kid, uow=self._unit_of_work(), now=self._clock(), retire_after=self._retire_after)
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
            keys = await signing_keys(uow=self._unit_of_work())
            self._ring = _Ring(keys, time.monotonic())
            return keys

    def _signing_key(self, keys: list[StoredSigningKey]) -> SigningKey | None:
        newest = signing_key_now(keys, self._clock(), self._encryption.key_id)
        if newest is None:
            return None
        opened = self._opened.get(newest.kid)
        if opened is None:
            opened = self._opened[newest.kid] = self._encryption.open_signing_key(newest)
        return opened


class RingTokenIssuer:
    """Access tokens signed by the ring's current key."""

    def __init__(self, ring: SigningKeyRing, settings: AuthSettings) -> None:
        self._ring = ring
        self._settings = settings

    async def issue(self, principal: Principal, *, now: datetime) -> IssuedAccessToken:
        return AccessTokenIssuer.from_settings(await self._ring.current(), self._settings).issue(principal, now=now)
