"""A pooled connection whose server side has gone (here its backend terminated, as a restart or failover would)
is replaced at checkout: the next unit of work runs on a fresh connection instead of failing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from pathfinder.persistence import closed_connections
from pathfinder.persistence.database import create_engine
from sqlalchemy import text


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await fresh_database("closed_connections")
    engine = create_engine(url, pool_size=1)
    other = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            pooled = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with other.connect() as admin:
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pooled}) is True
        await asyncio.sleep(0.1)  # the event loop reads the closed socket
        async with engine.connect() as connection:
            fresh = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert fresh != pooled
    finally:
        await engine.dispose()
        await other.dispose()


async def test_a_connection_idle_past_the_limit_is_replaced_and_a_recent_one_kept(
    fresh_database: Callable[[str], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(closed_connections, "IDLE_LIMIT_SECONDS", 0.5)
    engine = create_engine(await fresh_database("idle_connections"), pool_size=1)
    try:
        backends = []
        for pause in (0.0, 0.0, 1.0):
            await asyncio.sleep(pause)
            async with engine.connect() as connection:
                backends.append(await connection.scalar(text("SELECT pg_backend_pid()")))
        assert backends[0] == backends[1], "returned a moment ago: the same connection"
        assert backends[2] != backends[1], "idle past the limit: a new one"
    finally:
        await engine.dispose()
