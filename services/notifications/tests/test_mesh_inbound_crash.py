"""Crash test of MESH collection: the notifications worker, killed with SIGKILL after a message's notification is
committed but before the message is acknowledged to MESH (or after the reply to a message not accepted was sent),
and started again, neither loses nor duplicates anything: every message sent by MESH becomes exactly one stored
notification, and the inbox ends empty. A reply may go twice, with the same local id (the message's MESH id)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from crash_kit import until_killed
from notifications_kit.mesh_world import SECRETS_KEY, MeshWorld, NewMailbox, mesh_world
from notifications_kit.messages import message
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.mesh_sandbox import MeshSandbox
from pathfinder.notifications.adapters.tables import early_years_notification, submission_key
from sqlalchemy import func, select

pytestmark = pytest.mark.crash

MESSAGES = 5


@pytest.fixture
async def world(
    fresh_database: Callable[[str], Awaitable[str]], mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox
) -> AsyncIterator[MeshWorld]:
    async with mesh_world(await fresh_database("mesh_inbound_crash"), mesh_sandbox, mesh_mailbox) as world:
        yield world


def worker_env(world: MeshWorld, broker: EmbeddedBroker, faults: str) -> dict[str, str]:
    sandbox = world.sandbox
    return {
        **os.environ,
        "PATHFINDER_KAFKA_PROFILE": "embedded",
        "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "PATHFINDER_NOTIFICATIONS_DATABASE_URL": world.service.settings.database_url,
        "PATHFINDER_LA_DELIVERY_SECRETS_KEY": SECRETS_KEY,
        "PATHFINDER_MESH_URL": sandbox.url,
        "PATHFINDER_MESH_SHARED_KEY": sandbox.shared_key.decode(),
        "PATHFINDER_MESH_CA_FILE": str(sandbox.ca_file or ""),
        "PATHFINDER_MESH_COLLECT_INTERVAL_SECONDS": "0.2",
        "PATHFINDER_TELEMETRY_EXPORTER": "none",
        "PATHFINDER_FAULTS": faults,
    }


async def spawn_worker(world: MeshWorld, broker: EmbeddedBroker, faults: str = "") -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pathfinder.notifications.worker",
        env=worker_env(world, broker, faults),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def run_until_killed(world: MeshWorld, broker: EmbeddedBroker, faults: str) -> None:
    await until_killed(await spawn_worker(world, broker, faults), faults)


async def run_until_inbox_empty(world: MeshWorld, broker: EmbeddedBroker) -> None:
    process = await spawn_worker(world, broker)
    try:
        for _ in range(300):
            if not world.waiting_for_platform():
                break
            await asyncio.sleep(0.2)
        assert world.waiting_for_platform() == [], "the restarted worker did not collect every message"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def count(world: MeshWorld, query: object) -> int:
    async with world.service.engine.connect() as connection:
        return int((await connection.execute(query)).scalar_one())  # type: ignore[call-overload]


async def test_killed_between_commit_and_acknowledgement_nothing_is_lost_or_stored_twice(
    world: MeshWorld, embedded_broker: EmbeddedBroker
) -> None:
    sent = {world.send_as_trust(json.dumps(message()).encode()) for _ in range(MESSAGES)}
    await run_until_killed(world, embedded_broker, "mesh.after_commit=3")
    stored = select(func.count()).select_from(early_years_notification)
    assert await count(world, stored) == 3, "two taken, the third committed and then the worker killed"
    assert len(world.waiting_for_platform()) == MESSAGES - 2
    await run_until_inbox_empty(world, embedded_broker)
    assert await count(world, stored) == MESSAGES
    distinct = select(func.count(func.distinct(early_years_notification.c.message_id)))
    assert await count(world, distinct) == MESSAGES
    keys = select(func.count()).select_from(submission_key).where(submission_key.c.key.in_([f"mesh:{i}" for i in sent]))
    assert await count(world, keys) == MESSAGES


async def test_killed_after_replying_the_message_is_answered_again_and_nothing_is_stored(
    world: MeshWorld, embedded_broker: EmbeddedBroker
) -> None:
    refused = world.send_as_trust(json.dumps(message(notifying_organisation="RH8")).encode())
    await run_until_killed(world, embedded_broker, "mesh.after_reply=1")
    assert world.waiting_for_platform() == [refused]
    await run_until_inbox_empty(world, embedded_broker)
    assert await count(world, select(func.count()).select_from(early_years_notification)) == 0
    with world.client_of(world.trust) as trust:
        replies = [trust.retrieve_message(message_id) for message_id in trust.list_messages()]
        local_ids = [reply.mex_header("localid") for reply in replies]
        for reply in replies:
            reply.close()
    assert local_ids == [refused, refused]
