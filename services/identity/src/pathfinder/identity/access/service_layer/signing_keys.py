"""Identity's signing keys in its store: the first key, rotation and retirement. Each runs under the store's lock,
so processes starting or rotating at once make one key, not one each."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pathfinder.identity.access.domain.signing_keys import StoredSigningKey, signing_key_now
from pathfinder.identity.access.service_layer.ports import SigningKeyMaker
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork

log = logging.getLogger(__name__)


async def signing_keys(*, uow: AccessUnitOfWork) -> list[StoredSigningKey]:
    async with uow:
        return await uow.signing_keys.all()


async def make_first_signing_key(
    *, uow: AccessUnitOfWork, maker: SigningKeyMaker, now: datetime, retire_after: timedelta
) -> None:
    """A key that signs from now, unless one this process can open signs already. Keys sealed under another
    key-encryption key can never sign here: they retire once the tokens they signed have expired."""
    async with uow:
        await uow.signing_keys.lock()
        existing = await uow.signing_keys.all()
        if signing_key_now(existing, now, maker.key_encryption_key_id) is not None:
            return  # another process made it while this one waited for the lock
        for unusable in existing:
            if unusable.signs_at(now):
                log.warning("signing key %s is sealed under another key-encryption key: retiring it", unusable.kid)
                await uow.signing_keys.retire(unusable.kid, now + retire_after)
        await uow.signing_keys.add(await maker.make(now=now, activates_at=now))
        await uow.commit()


async def rotate_signing_key(
    *,
    uow: AccessUnitOfWork,
    maker: SigningKeyMaker,
    now: datetime,
    publish_ahead: timedelta,
    retire_after: timedelta,
) -> StoredSigningKey:
    """A new key, published ``publish_ahead`` before it signs; the keys it replaces retire ``retire_after`` (the
    longest life of a token they sign, with clock skew) after it starts signing."""
    async with uow:
        await uow.signing_keys.lock()
        existing = await uow.signing_keys.all()
        new = await maker.make(now=now, activates_at=now + publish_ahead)
        for key in existing:
            if key.retires_at is None:
                await uow.signing_keys.retire(key.kid, new.activates_at + retire_after)
        await uow.signing_keys.add(new)
        await uow.commit()
    return new


async def retire_signing_key(kid: str, *, uow: AccessUnitOfWork, now: datetime, retire_after: timedelta) -> None:
    """Stop publishing ``kid`` once tokens it signed have expired (at once if it never signed)."""
    async with uow:
        await uow.signing_keys.lock()
        await uow.signing_keys.retire(kid, now + retire_after)
        await uow.commit()
