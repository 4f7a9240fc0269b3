"""Token buckets in PostgreSQL: concurrent takes from many connections never spend more than the burst, a bucket
refills at its rate by the database's clock, and full buckets are forgotten."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.token_buckets import SqlTokenBuckets, install_token_buckets_v1, token_bucket
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture
async def engine(fresh_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await fresh_database("token_buckets"), pool_size=10)
    async with engine.begin() as connection:
        await connection.run_sync(install_token_buckets_v1)
    yield engine
    await engine.dispose()


async def test_concurrent_takes_spend_the_burst_exactly(engine: AsyncEngine) -> None:
    buckets = SqlTokenBuckets(engine)
    waits = await asyncio.gather(*(buckets.take("client-1", per_second=0.001, burst=7) for _ in range(40)))
    assert sum(1 for wait in waits if wait == 0) == 7
    assert all(wait > 900 for wait in waits if wait > 0), "a token every 1000 s, most of one still to come"


async def test_a_bucket_refills_at_its_rate_and_keys_are_apart(engine: AsyncEngine) -> None:
    buckets = SqlTokenBuckets(engine)
    assert [await buckets.take("a", per_second=5, burst=2) for _ in range(2)] == [0, 0]
    wait = await buckets.take("a", per_second=5, burst=2)
    assert 0 < wait <= 0.2
    assert await buckets.take("b", per_second=5, burst=2) == 0
    await asyncio.sleep(wait + 0.05)
    assert await buckets.take("a", per_second=5, burst=2) == 0


async def test_full_buckets_are_forgotten_and_what_they_were_keyed_by_is_never_stored(engine: AsyncEngine) -> None:
    buckets = SqlTokenBuckets(engine)
    await buckets.take("sign-in-account:dco@devon.example.nhs.uk", per_second=100, burst=1)
    await buckets.take("slow", per_second=0.001, burst=5)
    async with engine.connect() as connection:
        stored = (await connection.execute(select(token_bucket.c.key_digest))).scalars().all()
    assert all(b"devon" not in digest and len(digest) == 32 for digest in stored)
    await asyncio.sleep(0.05)
    assert await buckets.forget_full() == 1
    async with engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(token_bucket))).scalar_one() == 1
