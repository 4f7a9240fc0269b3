# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Identity's own signing keys: made on first use, sealed in the database, shared by replicas, rotated by adding
a kid that is published before it signs, and retired once its tokens have expired."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from identity_kit import ISSUER, TEST_ENVIRONMENT, TEST_KEY_ENCRYPTION_KEY, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity
from identity_kit.clock import ManualClock
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.testing import principal
from pathfinder.identity.access.adapters.key_encryption import KeyEncryption
from pathfinder.identity.access.adapters.tables import signing_key
from pathfinder.identity.bootstrap import Access
from pathfinder.identity.settings import AccessSettings
from pathfinder.persistence.database import create_engine, session_factory
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

AccessFactory = Callable[..., Access]


@pytest.fixture
async def engine(fresh_database) -> AsyncIterator[AsyncEngine]:
    url = await migrated_identity_database(await fresh_database("identity_keys"))
    engine = create_engine(url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_access(engine: AsyncEngine, clock: ManualClock) -> AccessFactory:
    def make(kek: str | None = TEST_KEY_ENCRYPTION_KEY) -> Access:
        settings = AccessSettings(
            key_encryption_key=None if kek is None else SecretStr(kek),
            signing_key_bits=2048,
            signing_key_publish_ahead_seconds=60,
        )
        return Access(session_factory(engine), "/pathfinder/identity", settings, AuthSettings(issuer=ISSUER), clock)

    return make


async def stored_keys(engine: AsyncEngine) -> list:
    async with engine.connect() as connection:
        return list((await connection.execute(select(signing_key).order_by(signing_key.c.created_at))).all())


async def test_the_first_key_is_made_on_first_use_and_sealed(make_access: AccessFactory, engine: AsyncEngine) -> None:
    key = await make_access().key_ring.current()
    [row] = await stored_keys(engine)
    assert row.kid == key.kid
    assert row.public_jwk == key.public_jwk()
    assert b"PRIVATE KEY" not in row.encrypted_private_key
    with pytest.raises(ValueError, match=r"."):
        load_pem_private_key(row.encrypted_private_key, password=None)
    opened = KeyEncryption.from_text(TEST_KEY_ENCRYPTION_KEY).open(row.kid, row.encrypted_private_key)
    assert opened == key.private_pem()


async def test_replicas_share_one_key(make_access: AccessFactory, engine: AsyncEngine) -> None:
    first, second, third = make_access(), make_access(), make_access()
    keys = await asyncio.gather(first.key_ring.current(), second.key_ring.current(), third.key_ring.current())
    assert len({key.kid for key in keys}) == 1
    assert len(await stored_keys(engine)) == 1
    assert await first.key_ring.jwks() == await second.key_ring.jwks()


async def test_without_the_same_key_encryption_key_a_new_key_is_made(
    make_access: AccessFactory, engine: AsyncEngine, clock: ManualClock
) -> None:
    old = await make_access().key_ring.current()
    other = make_access(kek=KeyEncryption.new_key_text())
    new = await other.key_ring.current()
    assert new.kid != old.kid
    published = {jwk["kid"] for jwk in (await other.key_ring.jwks())["keys"]}
    assert published == {old.kid, new.kid}  # tokens the old key signed still verify until they expire
    clock.advance(minutes=11)
    assert {jwk["kid"] for jwk in (await other.key_ring.jwks())["keys"]} == {new.kid}


async def test_a_throwaway_key_encryption_key_still_works_for_development(make_access: AccessFactory) -> None:
    access = make_access(kek=None)
    trust = principal(OrganisationRole.NHS_TRUST, "RH8", Scope.ADVICE_SUBMIT)
    assert await access.verifier.verify((await access.tokens.issue(trust, now=access.clock())).token) == trust


async def test_a_rotated_key_is_published_before_it_signs(make_access: AccessFactory, clock: ManualClock) -> None:
    access = make_access()
    old = await access.key_ring.current()
    new = await access.key_ring.rotate()
    assert {jwk["kid"] for jwk in (await access.key_ring.jwks())["keys"]} == {old.kid, new.kid}
    assert (await access.key_ring.current()).kid == old.kid
    clock.advance(seconds=61)
    assert (await access.key_ring.current()).kid == new.kid
    clock.advance(seconds=631)
    assert {jwk["kid"] for jwk in (await access.key_ring.jwks())["keys"]} == {new.kid}


async def test_after_rotation_tokens_of_both_keys_verify(fresh_database, monkeypatch) -> None:
    for name, value in {**TEST_ENVIRONMENT, "PATHFINDER_IDENTITY_SIGNING_KEY_PUBLISH_AHEAD_SECONDS": "0"}.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("identity_rotation"))
    async with running_identity(url) as identity:
        trust = await identity.register_client("RH8", Scope.ADVICE_SUBMIT)
        before = await identity.bearer(trust)
        await identity.access.key_ring.rotate()
        after = await identity.bearer(trust)
        assert before != after
        for headers in (before, after):
            assert (await identity.http.get("/me", headers=headers)).status_code == 200
        assert len((await identity.http.get("/.well-known/jwks.json")).json()["keys"]) == 2


async def test_the_jwks_may_be_cached_briefly(fresh_database, monkeypatch) -> None:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("identity_jwks"))
    identity: IdentityUnderTest
    async with running_identity(url, seed=False) as identity:
        response = await identity.http.get("/.well-known/jwks.json")
        assert response.headers["cache-control"] == "public, max-age=60"
        [jwk] = response.json()["keys"]
        assert set(jwk) == {"kty", "use", "alg", "kid", "n", "e"}
