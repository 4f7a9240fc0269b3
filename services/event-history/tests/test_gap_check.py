"""The gap check on the real broker and PostgreSQL: a record deliberately missing from the archive is found on its
topic (read to its high watermark) and among its service's published outbox rows, and the command says so."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable

import pytest
from event_history_kit.builders import received
from event_history_kit.service import archive_service, archived_rows, producer_on, running, wait_until
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.event_history import cli
from pathfinder.event_history.adapters.tables import archived_event
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.entrypoints.workers import archive_ingest
from pathfinder.messaging.settings import KafkaSettings
from sqlalchemy import delete

TOPIC = EarlyYearsNotificationReceived.topic


async def test_the_gap_check_finds_what_the_archive_lacks(
    fresh_broker: EmbeddedBroker, fresh_database: Callable[[str], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    url = await fresh_database("eh_gaps")
    service = await archive_service(url, kafka)
    producer_url = await fresh_database("eh_gaps_producer")
    async with producer_on(producer_url, kafka) as producer:
        ids = await producer.publish([received() for _ in range(20)])
        async with running(producer.relay().run, archive_ingest(service.archive_feed(), service.unit_of_work)):
            await wait_until(lambda: _archived(service, 20), what="every event archived")
        assert await producer.published() == 20
    lost = ids[7]
    try:
        for name, value in {
            "PATHFINDER_EVENT_HISTORY_DATABASE_URL": url, "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "PATHFINDER_KAFKA_PROFILE": "embedded",
            "PATHFINDER_EVENT_HISTORY_GAP_CHECK_OUTBOX_URLS": json.dumps({"notifications": producer_url}),
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        said = io.StringIO()
        assert await cli.run(["gap-check", "--settle-seconds", "0"], said) == 0, said.getvalue()
        assert f"topic {TOPIC}: 20 checked, 0 missing" in said.getvalue()
        assert "outbox of notifications: 20 checked, 0 missing" in said.getvalue()
        async with service.engine.begin() as connection:
            await connection.execute(delete(archived_event).where(archived_event.c.event_id == lost))
        said = io.StringIO()
        assert await cli.run(["gap-check", "--settle-seconds", "0", "--topic", TOPIC], said) == 1
        lines = said.getvalue().splitlines()
        assert f"topic {TOPIC}: 20 checked, 1 missing" in lines
        assert any(line.startswith(f"  missing {lost} on {TOPIC} partition ") for line in lines), lines
        assert "outbox of notifications: 20 checked, 1 missing" in lines
        assert f"  missing {lost} on {TOPIC}" in lines
        assert lines[-1] == "2 event(s) missing from the archive"
        said = io.StringIO()
        assert await cli.run(["gap-check"], said) == 0, "what was published within the settling time is not judged"
    finally:
        await service.engine.dispose()


async def _archived(service: EventHistoryService, count: int) -> bool:
    return len(await archived_rows(service)) >= count
