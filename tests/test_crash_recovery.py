# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Crash tests: workers killed with SIGKILL at every fault point of the runtime while a few thousand
notifications flow, and the broker restarted in the middle of a load. Afterwards every event has been
applied exactly once and none is lost."""

from __future__ import annotations

import asyncio
import signal

import pytest
from pathfinder.messaging.schema import consumer_failure, outbox
from sqlalchemy import func, select

pytestmark = pytest.mark.crash

EVENTS = 3000

# Each worker runs until its fault point kills it; the supervisor restarts it with the next fault in line,
# then without faults once the schedule is used up.
RELAY_FAULTS = ["relay.after_send=2", "relay.after_claim=3", "relay.after_send=4", "relay.after_mark=2"]
CONSUMER_FAULTS = ["consumer.after_db_commit=2", "consumer.before_db_commit=3", "consumer.after_db_commit=5"]


async def _supervise(two_services, package: str, faults: list[str], stop: asyncio.Event, kills: list[str]) -> None:
    schedule = list(faults)
    while not stop.is_set():
        fault = schedule.pop(0) if schedule else ""
        process = await two_services.spawn_worker(package, fault)
        waiter = asyncio.ensure_future(process.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if waiter.done():
            stopper.cancel()
            assert process.returncode == -signal.SIGKILL, f"{package} worker exited with {process.returncode}"
            kills.append(fault)
            continue
        process.terminate()
        await waiter


async def test_every_event_applied_exactly_once_through_worker_crashes(two_services) -> None:
    stop = asyncio.Event()
    kills: list[str] = []
    supervisors = [
        asyncio.create_task(_supervise(two_services, "notifications", RELAY_FAULTS, stop, kills)),
        asyncio.create_task(_supervise(two_services, "ehcp", CONSUMER_FAULTS, stop, kills)),
    ]
    try:
        await two_services.submit(EVENTS)
        await two_services.wait_for_notices(EVENTS, timeout=240)
        await asyncio.sleep(2.0)  # redeliveries after the last crash must all be no-ops
    finally:
        stop.set()
        await asyncio.gather(*supervisors)

    assert sorted(kills) == sorted(RELAY_FAULTS + CONSUMER_FAULTS), "every fault point was reached"
    await _assert_exactly_once(two_services)


async def test_broker_restart_in_the_middle_of_a_load_loses_nothing(two_services) -> None:
    stop = asyncio.Event()
    workers = [*two_services.notifications.workers(), *two_services.ehcp.workers()]
    tasks = [asyncio.create_task(worker(stop)) for worker in workers]
    try:
        await two_services.submit(EVENTS // 2)
        await two_services.wait_for_notices(EVENTS // 4, timeout=120)
        two_services.broker.restart()  # every topic, record and committed offset is gone
        await two_services.submit(EVENTS // 2)
        await two_services.wait_for_notices(EVENTS, timeout=240)
        await asyncio.sleep(2.0)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    await _assert_exactly_once(two_services)


async def _assert_exactly_once(two_services) -> None:
    assert await two_services.notices_recorded() == EVENTS
    assert await two_services.inbox_rows() == EVENTS
    async with two_services.notifications.engine.connect() as connection:
        unpublished = await connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
        assert unpublished.scalar_one() == 0
    async with two_services.ehcp.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(consumer_failure))).scalar_one() == 0
        assert (await connection.execute(select(func.count()).select_from(outbox))).scalar_one() == 0, (
            "nothing was dead-lettered"
        )
