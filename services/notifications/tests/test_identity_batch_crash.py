"""Crash test of the identity timer's batches: the notifications worker, killed with SIGKILL after identity
answered a batch of backfilled children but before any answer was applied, and started again once the batch's
lease has run out, loses nothing and applies nothing twice: every child is named once, by the answer identity
gives its request id (the same on the retry), and the LA is told once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from crash_kit import until_killed
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import child, message
from notifications_kit.service import Api, api_for, migrated
from pathfinder.devstack.benchmarking import StubIdentity
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.notifications.adapters.tables import early_years_notification as table
from pathfinder.notifications.service_layer.child_identification import identity_request_id
from sqlalchemy import func, select, update

pytestmark = pytest.mark.crash

CHILDREN = 6
SECRETS_KEY = "9mF2hQv3Zr8kLp1XcYt6NbWq4Ds7GaJeU0oRiVlHzKs"
"""Fixed, so the worker opens the children's details the API sealed."""


@pytest.fixture
async def api(fresh_database: Callable[[str], Awaitable[str]], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    monkeypatch.setenv("PATHFINDER_LA_DELIVERY_SECRETS_KEY", SECRETS_KEY)
    url = await migrated(await fresh_database("identity_batch_crash"))
    async for running in api_for(url, FakeIdentity()):
        yield running


async def spawn_worker(
    api: Api, broker: EmbeddedBroker, identity: StubIdentity, key_file: Path, faults: str = ""
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        **identity.environment(key_file),
        "PATHFINDER_KAFKA_PROFILE": "embedded",
        "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "PATHFINDER_NOTIFICATIONS_DATABASE_URL": api.service.settings.database_url,
        "PATHFINDER_NOTIFICATIONS_IDENTITY_RETRY_INTERVAL_SECONDS": "0.2",
        "PATHFINDER_TELEMETRY_EXPORTER": "none",
        "PATHFINDER_FAULTS": faults,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pathfinder.notifications.worker", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def statuses(api: Api) -> dict[str, int]:
    query = select(table.c.status, func.count()).group_by(table.c.status)
    async with api.service.engine.connect() as connection:
        return {row[0]: row[1] for row in (await connection.execute(query)).all()}


async def test_killed_between_identitys_answer_and_its_application_nothing_is_lost_or_applied_twice(
    api: Api, embedded_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    names = [
        ("Ada", "Okafor"),
        ("Bram", "Nowak"),
        ("Cleo", "Haddad"),
        ("Dev", "Lind"),
        ("Esme", "Byrne"),
        ("Fa", "Roe"),
    ]
    documents = [message(child=child(given_names=(given,), family_name=family)) for given, family in names]
    body = "".join(json.dumps(document) + "\n" for document in documents)
    headers = {**api.trust(), "Content-Type": "application/x-ndjson"}
    answered = await api.http.post("/fhir/$process-message/bulk", content=body, headers=headers)
    ids = [json.loads(line)["id"] for line in answered.text.splitlines()]
    assert len(ids) == CHILDREN and await statuses(api) == {"awaiting-identity": CHILDREN}
    identity = StubIdentity()
    try:
        faults = "identity.after_batch_answer=1"
        await until_killed(await spawn_worker(api, embedded_broker, identity, tmp_path / "key.pem", faults), faults)
        assert await statuses(api) == {"awaiting-identity": CHILDREN}, "identity answered, nothing applied"
        assert await api.received_events() == []
        async with api.service.engine.begin() as connection:  # the batch's lease runs out
            await connection.execute(update(table).values(next_identity_attempt_at=func.now()))
        worker = await spawn_worker(api, embedded_broker, identity, tmp_path / "key.pem")
        try:
            for _ in range(150):
                if await statuses(api) == {"received": CHILDREN}:
                    break
                await asyncio.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            await asyncio.wait_for(worker.wait(), timeout=30)
    finally:
        identity.shutdown()
        identity.server_close()
    assert await statuses(api) == {"received": CHILDREN}
    received = await api.received_events()
    assert sorted(event["notification_id"] for event in received) == sorted(ids), "each child named once"
    expected = {str(uuid5(NAMESPACE_URL, identity_request_id(UUID(i)))) for i in ids}
    assert {event["person_id"] for event in received} == expected
