"""A worker waiting on a notified channel wakes when a notice comes after it took its ticket, whether the notice
came before or during the wait; without one it waits out its timeout; and a listening connection the server
closed is opened again, with a look for work at once for whatever was notified meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.notified_channel import NotifiedChannel

CHANNEL = "work_due"
NO_TIMEOUT = 600.0  # the wait must end by a notice; the test's own guard fails it long before


@pytest.fixture
async def dsn(fresh_database: Callable[[str], Awaitable[str]]) -> str:
    return asyncpg_dsn(await fresh_database("notified_channel"))


@pytest.fixture
async def channel(dsn: str) -> AsyncIterator[NotifiedChannel]:
    notices = NotifiedChannel(dsn, CHANNEL)
    yield notices
    await notices.close()


async def notify(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f"NOTIFY {CHANNEL}")
    finally:
        await connection.close()


async def listening(channel: NotifiedChannel) -> None:
    """The first wait connects, and ends at once (anything may have been notified before it listened)."""
    await asyncio.wait_for(channel.wait(channel.ticket(), asyncio.Event(), NO_TIMEOUT), 10)


async def test_a_notice_during_the_wait_ends_it(dsn: str, channel: NotifiedChannel) -> None:
    await listening(channel)
    ticket = channel.ticket()
    waiting = asyncio.create_task(channel.wait(ticket, asyncio.Event(), NO_TIMEOUT))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await notify(dsn)
    await asyncio.wait_for(waiting, 10)
    assert ticket.is_set()


async def test_a_notice_after_the_ticket_and_before_the_wait_is_not_missed(dsn: str, channel: NotifiedChannel) -> None:
    await listening(channel)
    ticket = channel.ticket()  # taken, then the worker looks for work and finds none...
    await notify(dsn)  # ...while the work is committed
    for _ in range(100):
        if ticket.is_set():
            break
        await asyncio.sleep(0.05)
    await asyncio.wait_for(channel.wait(ticket, asyncio.Event(), NO_TIMEOUT), 10)
    assert ticket.is_set()


async def test_every_waiter_holding_a_ticket_wakes(dsn: str, channel: NotifiedChannel) -> None:
    await listening(channel)
    tickets = [channel.ticket() for _ in range(3)]
    lanes = [asyncio.create_task(channel.wait(ticket, asyncio.Event(), NO_TIMEOUT)) for ticket in tickets]
    await notify(dsn)
    await asyncio.wait_for(asyncio.gather(*lanes), 10)
    assert all(ticket.is_set() for ticket in tickets)


async def test_without_a_notice_the_wait_times_out_and_stop_ends_it(channel: NotifiedChannel) -> None:
    await listening(channel)
    ticket = channel.ticket()
    await channel.wait(ticket, asyncio.Event(), 0.2)
    assert not ticket.is_set()
    stop = asyncio.Event()
    waiting = asyncio.create_task(channel.wait(ticket, stop, NO_TIMEOUT))
    stop.set()
    await asyncio.wait_for(waiting, 10)
    assert not ticket.is_set()


async def test_a_listener_the_server_closed_is_opened_again(dsn: str, channel: NotifiedChannel) -> None:
    await listening(channel)
    admin = await asyncpg.connect(dsn)
    try:
        listeners = await admin.fetch(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'"
        )
        assert [row[0] for row in listeners] == [True]
    finally:
        await admin.close()
    await asyncio.sleep(0.1)
    ticket = channel.ticket()
    await asyncio.wait_for(channel.wait(ticket, asyncio.Event(), NO_TIMEOUT), 10)
    assert ticket.is_set(), "opened again, it looks for work at once"
    ticket = channel.ticket()
    waiting = asyncio.create_task(channel.wait(ticket, asyncio.Event(), NO_TIMEOUT))
    await notify(dsn)
    await asyncio.wait_for(waiting, 10)


async def test_a_channel_that_cannot_listen_lets_its_waiters_poll() -> None:
    unreachable = NotifiedChannel("postgresql://nobody@127.0.0.1:9/nothing", CHANNEL)  # port 9: nothing listens
    try:
        for _ in range(3):  # the first try fails, the next ones wait for their pause
            ticket = unreachable.ticket()
            await asyncio.wait_for(unreachable.wait(ticket, asyncio.Event(), 0.1), 10)
            assert not ticket.is_set()
    finally:
        await unreachable.close()
