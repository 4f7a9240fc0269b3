"""Identity's signing keys in the in-memory store: the first key is made once, a rotated-in key is published
before it signs, and replaced keys stay published until the tokens they signed have expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from identity_kit.access_fakes import FakeAccess, FakeKeyMaker
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey, published_keys, signing_key_now
from pathfinder.identity.access.service_layer.signing_keys import (
    make_first_signing_key,
    retire_signing_key,
    rotate_signing_key,
    signing_keys,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AHEAD = timedelta(seconds=60)
RETIRE_AFTER = timedelta(minutes=10, seconds=30)


async def test_the_first_key_is_made_once(access: FakeAccess) -> None:
    maker = FakeKeyMaker()
    await make_first_signing_key(uow=access.unit_of_work(), maker=maker, now=NOW, retire_after=RETIRE_AFTER)
    await make_first_signing_key(uow=access.unit_of_work(), maker=maker, now=NOW, retire_after=RETIRE_AFTER)
    [key] = await signing_keys(uow=access.unit_of_work())
    assert (key.activates_at, key.retires_at, key.key_encryption_key_id, maker.made) == (NOW, None, "kek-1", 1)
    assert signing_key_now([key], NOW, "kek-1") == key


async def test_a_key_sealed_under_another_key_encryption_key_is_retired_and_replaced(access: FakeAccess) -> None:
    await make_first_signing_key(
        uow=access.unit_of_work(), maker=FakeKeyMaker("kek-0"), now=NOW, retire_after=RETIRE_AFTER
    )
    later = NOW + timedelta(hours=1)
    await make_first_signing_key(
        uow=access.unit_of_work(), maker=FakeKeyMaker("kek-1"), now=later, retire_after=RETIRE_AFTER
    )
    old, new = await signing_keys(uow=access.unit_of_work())
    assert (old.key_encryption_key_id, old.retires_at) == ("kek-0", later + RETIRE_AFTER)
    assert (new.key_encryption_key_id, new.activates_at, new.retires_at) == ("kek-1", later, None)
    assert published_keys([old, new], later) == [old, new]  # tokens the old key signed still verify
    assert published_keys([old, new], later + RETIRE_AFTER) == [new]


async def test_a_rotated_key_is_published_before_it_signs_and_outlives_the_one_it_replaces(access: FakeAccess) -> None:
    maker = FakeKeyMaker()
    await make_first_signing_key(uow=access.unit_of_work(), maker=maker, now=NOW, retire_after=RETIRE_AFTER)
    new = await rotate_signing_key(
        uow=access.unit_of_work(), maker=maker, now=NOW, publish_ahead=AHEAD, retire_after=RETIRE_AFTER
    )
    old, stored_new = await signing_keys(uow=access.unit_of_work())
    assert stored_new == new and new.activates_at == NOW + AHEAD
    assert old.retires_at == new.activates_at + RETIRE_AFTER
    keys = [old, new]
    assert published_keys(keys, NOW) == keys
    assert signing_key_now(keys, NOW, "kek-1") == old
    assert signing_key_now(keys, NOW + AHEAD, "kek-1") == new
    assert published_keys(keys, NOW + AHEAD + RETIRE_AFTER) == [new]


async def test_a_retired_key_stays_published_as_long_as_a_token_it_signed_lives(access: FakeAccess) -> None:
    maker = FakeKeyMaker()
    await make_first_signing_key(uow=access.unit_of_work(), maker=maker, now=NOW, retire_after=RETIRE_AFTER)
    [key] = await signing_keys(uow=access.unit_of_work())
    await retire_signing_key(key.kid, uow=access.unit_of_work(), now=NOW, retire_after=RETIRE_AFTER)
    [retired] = await signing_keys(uow=access.unit_of_work())
    assert retired.retires_at == NOW + RETIRE_AFTER
    assert retired.published_at(NOW + RETIRE_AFTER - timedelta(seconds=1))
    assert not retired.signs_at(NOW + RETIRE_AFTER)


def test_only_a_key_this_process_can_open_signs_here() -> None:
    sealed_elsewhere = StoredSigningKey("k0", {}, b"", "kek-0", NOW, NOW)
    assert signing_key_now([sealed_elsewhere], NOW, "kek-1") is None
    assert signing_key_now([sealed_elsewhere], NOW - timedelta(seconds=1), "kek-0") is None  # not active yet
