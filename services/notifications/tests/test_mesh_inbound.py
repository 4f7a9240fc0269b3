"""Trusts' s23 notifications by MESH, on NHS England's own sandbox and the real PostgreSQL: collected from the
platform's mailbox, stored once, acknowledged to MESH only after; what cannot be accepted answered to the sender's
mailbox with an OperationOutcome; chunks joined; MESH's 429 and 5xx ridden out."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from notifications_kit.mesh_world import MeshWorld, NewMailbox, mesh_world
from notifications_kit.messages import message
from pathfinder.devstack.mesh_faults import MeshFaults
from pathfinder.devstack.mesh_sandbox import MeshSandbox
from pathfinder.notifications.adapters.tables import early_years_notification, submission_key
from pathfinder.notifications.domain.mesh_mailbox import S23_REPLY_WORKFLOW
from sqlalchemy import func, select


@pytest.fixture
async def world(
    fresh_database: Callable[[str], Awaitable[str]], mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox
) -> AsyncIterator[MeshWorld]:
    async with mesh_world(await fresh_database("mesh_inbound"), mesh_sandbox, mesh_mailbox) as world:
        yield world


async def stored(world: MeshWorld) -> list[tuple[str, str]]:
    """(message id, status) of every notification stored."""
    query = select(early_years_notification.c.message_id, early_years_notification.c.status)
    async with world.service.engine.connect() as connection:
        return [(row.message_id, row.status) for row in await connection.execute(query)]


def replies_to_trust(world: MeshWorld) -> list[tuple[str | None, str | None, bytes]]:
    """(workflow id, local id, body) of each message in the trust's inbox, acknowledged as read."""
    found = []
    with world.client_of(world.trust) as trust:
        for message_id in trust.list_messages():
            reply = trust.retrieve_message(message_id)
            found.append((reply.mex_header("workflowid"), reply.mex_header("localid"), reply.read()))
            reply.close()
            trust.acknowledge_message(message_id)
    return found


async def test_a_trusts_notification_by_mesh_is_stored_once_and_then_acknowledged(world: MeshWorld) -> None:
    document = message()
    mesh_id = world.send_as_trust(json.dumps(document).encode())
    assert world.waiting_for_platform() == [mesh_id]
    assert await world.inbox().collect() == 1
    assert await stored(world) == [(document["entry"][0]["resource"]["id"], "awaiting-identity")], "the worker asks"
    assert world.waiting_for_platform() == []
    assert replies_to_trust(world) == []
    keys = select(func.count()).select_from(submission_key).where(submission_key.c.key == f"mesh:{mesh_id}")
    async with world.service.engine.connect() as connection:
        assert (await connection.execute(keys)).scalar_one() == 1


async def test_a_message_not_accepted_is_answered_to_the_trusts_mailbox(world: MeshWorld) -> None:
    mesh_id = world.send_as_trust(json.dumps(message(notifying_organisation="RH8")).encode())
    await world.inbox().collect()
    assert await stored(world) == []
    [(workflow, local_id, body)] = replies_to_trust(world)
    assert (workflow, local_id) == (S23_REPLY_WORKFLOW, mesh_id)
    outcome = json.loads(body)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "forbidden"
    assert world.waiting_for_platform() == []


async def test_a_chunked_bulk_message_is_joined_and_each_notification_stored(world: MeshWorld) -> None:
    documents = [message() for _ in range(4)]
    body = "".join(json.dumps(document) + "\n" for document in documents).encode()
    world.send_as_trust(body, content_type="application/fhir+ndjson", max_chunk_size=len(body) // 3)
    assert await world.inbox().collect() == 1
    assert sorted(message_id for message_id, _ in await stored(world)) == sorted(
        document["entry"][0]["resource"]["id"] for document in documents
    )
    assert replies_to_trust(world) == []


async def test_busy_and_failing_mesh_is_ridden_out_and_nothing_is_stored_twice(
    fresh_database: Callable[[str], Awaitable[str]],
    mesh_sandbox: MeshSandbox,
    mesh_mailbox: NewMailbox,
    mesh_faults: MeshFaults,
) -> None:
    url = await fresh_database("mesh_inbound_faults")
    async with mesh_world(url, mesh_sandbox, mesh_mailbox, mesh_url=mesh_faults.url) as world:
        world.send_as_trust(json.dumps(message()).encode())
        # mesh-client tries each request 4 times: these are each ridden out within one collection.
        mesh_faults.inject("GET", r".*/inbox", 429, times=2, retry_after=0)
        mesh_faults.inject("GET", r".*/inbox/[^/]+", 503, times=1)
        # Acknowledging fails past every retry: the message stays, and is collected again.
        mesh_faults.inject("PUT", r".*/status/acknowledged", 502, times=4)
        assert await world.inbox().collect() == 0
        assert len(await stored(world)) == 1
        assert len(world.waiting_for_platform()) == 1
        assert await world.inbox().collect() == 1
        assert len(await stored(world)) == 1
        assert world.waiting_for_platform() == []
        statuses = [seen.status for seen in mesh_faults.seen]
        assert statuses.count(429) == 2 and statuses.count(503) == 1 and statuses.count(502) == 4
