"""Crash test of the statutory due timers: the ehcp worker, killed with SIGKILL just before and just after it
commits a batch of fired timers, and restarted, announces every due limit exactly once: each due timer fired
once, one outbox row and one event on ``pathfinder.ehcp.lifecycle`` for each.

The relay publishes at least once: should a kill land between its send and its mark, the same event (same id)
is published again, which consumers' inboxes absorb. Exactly once here is one event per timer, never a second
event for the same limit and due date."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from crash_kit import until_killed
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.assessment import StatutoryLimitDueSoon, StatutoryLimitOverdue
from pathfinder.contracts.vocabulary import Requester
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.ehcp.adapters.tables import ehcp_due_timer
from pathfinder.ehcp.bootstrap import EhcpService, bootstrap
from pathfinder.ehcp.domain.child_case import ChildCase
from pathfinder.ehcp.domain.due_alerts import Alert
from pathfinder.ehcp.service_layer.assessments import request_assessment
from pathfinder.ehcp.service_layer.commands import CommandKey
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import ColumnElement, func, select

pytestmark = pytest.mark.crash

LA = "841"
CASES = 30
BATCH = 5
TOPIC = "pathfinder.ehcp.lifecycle"
RECEIVED = datetime.now(UTC) - timedelta(days=60)
"""Requests received 60 days ago: the consideration notices and the 6-week decision are overdue, so their due-soon
and overdue timers are due."""

ALERTS: dict[str, tuple[type[StatutoryLimitDueSoon | StatutoryLimitOverdue], Alert]] = {
    StatutoryLimitDueSoon.event_type: (StatutoryLimitDueSoon, Alert.DUE_SOON),
    StatutoryLimitOverdue.event_type: (StatutoryLimitOverdue, Alert.OVERDUE),
}
SCHEDULED = [alert.value for _, alert in ALERTS.values()]
Key = tuple[UUID, str, date, str]
"""What one alert announces: the case, the limit, its due date and whether due soon or overdue."""


@dataclass
class Ehcp:
    service: EhcpService
    broker: EmbeddedBroker

    def worker_env(self, faults: str) -> dict[str, str]:
        return {
            **os.environ,
            "PATHFINDER_KAFKA_PROFILE": "embedded",
            "PATHFINDER_KAFKA_TOPIC_PARTITIONS": "3",
            "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers,
            "PATHFINDER_EHCP_DATABASE_URL": self.service.settings.database_url,
            # Small batches: the due timers take many transactions, so each fault point is reached mid-way.
            "PATHFINDER_EHCP_TIMER_BATCH": str(BATCH),
            "PATHFINDER_EHCP_TIMER_INTERVAL_SECONDS": "0.2",
            "PATHFINDER_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
            "PATHFINDER_OUTBOX_BROKER_CHECK_INTERVAL_SECONDS": "0.5",
            "PATHFINDER_OUTBOX_LEASE_SECONDS": "2",  # a killed relay's lanes move quickly
            "PATHFINDER_TELEMETRY_EXPORTER": "none",
            "PATHFINDER_FAULTS": faults,
        }

    async def spawn_worker(self, faults: str = "") -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "pathfinder.ehcp.worker",
            env=self.worker_env(faults),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def fired(self) -> int:
        async with self.service.engine.connect() as connection:
            query = select(func.count()).where(ehcp_due_timer.c.fired_at.is_not(None), _scheduled())
            return int((await connection.execute(query)).scalar_one())

    async def alerts_staged(self) -> int:
        async with self.service.engine.connect() as connection:
            query = select(func.count()).where(outbox.c.event_type.in_(ALERTS))
            return int((await connection.execute(query)).scalar_one())

    async def settled(self, due: int) -> bool:
        """Every due timer fired and every outbox row published."""
        async with self.service.engine.connect() as connection:
            unpublished = select(func.count()).where(outbox.c.published_at.is_(None))
            left = (await connection.execute(unpublished)).scalar_one()
        return left == 0 and await self.fired() == due


@pytest.fixture
async def ehcp(fresh_broker: EmbeddedBroker, fresh_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[Ehcp]:
    url = await fresh_database("ehcp_due_timer_crash")
    await upgrade_to_head("pathfinder.ehcp:migrations", url)
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    service = bootstrap(EhcpSettings(database_url=url), kafka)
    try:
        yield Ehcp(service, fresh_broker)
    finally:
        await service.engine.dispose()


def _scheduled() -> ColumnElement[bool]:
    return ehcp_due_timer.c.alert.in_(SCHEDULED)  # the early warning's at-risk rows are born fired


async def _open_overdue_assessments(service: EhcpService) -> None:
    officer = principal(OrganisationRole.LOCAL_AUTHORITY, LA, Scope.CASES_MANAGE)
    for number in range(CASES):
        person_id = uuid4()
        async with service.unit_of_work() as uow:
            await uow.cases.save(ChildCase(person_id=person_id, responsible_la=LA))
            await uow.commit()
        await request_assessment(
            person_id=person_id, requested_by=Requester.PARENT, received_on=RECEIVED.date(),
            la_reference=f"EHC-{number}", early_years_notification=None, principal=officer,
            command=CommandKey(caller=officer.subject, key=None, request_digest=""), render=lambda _: {},
            uow=service.unit_of_work(), now=lambda: RECEIVED,
        )  # fmt: skip


async def _due_timers(service: EhcpService) -> set[Key]:
    async with service.engine.connect() as connection:
        rows = await connection.execute(
            select(ehcp_due_timer).where(_scheduled(), ehcp_due_timer.c.fires_at <= func.now())
        )
        return {(row.case_id, row.limit, row.due_on, row.alert) for row in rows}


async def _run_until_killed(ehcp: Ehcp, faults: str) -> None:
    await until_killed(await ehcp.spawn_worker(faults), faults)


async def _run_until_settled(ehcp: Ehcp, due: int) -> None:
    process = await ehcp.spawn_worker()
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while not await ehcp.settled(due):
            assert process.returncode is None, f"the worker without faults exited with {process.returncode}"
            assert asyncio.get_running_loop().time() < deadline, "the due timers were not all fired and published"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # a timer firing twice would show by now
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


def _announced(event_type: str, data: bytes) -> Key:
    event_class, alert = ALERTS[event_type]
    event = event_class.model_validate_json(data)
    return (event.case_id, event.limit.value, event.due_on, alert.value)


async def _staged_events(service: EhcpService) -> dict[UUID, Key]:
    async with service.engine.connect() as connection:
        rows = await connection.execute(select(outbox).where(outbox.c.event_type.in_(ALERTS)))
        return {row.event_id: _announced(row.event_type, row.payload) for row in rows}


async def _published_records(broker: EmbeddedBroker) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the topic, read from the beginning of each partition by a fresh consumer."""
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        assert TOPIC in await consumer.topics(), f"nothing was published to {TOPIC}"
        partitions = [TopicPartition(TOPIC, number) for number in sorted(consumer.partitions_for_topic(TOPIC) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        deadline = asyncio.get_running_loop().time() + 20
        while [partition for partition, end in ends.items() if await consumer.position(partition) < end]:
            assert asyncio.get_running_loop().time() < deadline, f"{TOPIC} was not read to its end"
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def test_a_worker_killed_while_timers_fire_announces_each_due_limit_exactly_once(ehcp: Ehcp) -> None:
    await _open_overdue_assessments(ehcp.service)
    due = await _due_timers(ehcp.service)
    assert len(due) == 4 * CASES, "due soon and overdue, for each case's consideration notices and its decision"
    assert len(due) > 4 * BATCH, "the worker needs more batches than the faults consume"

    await _run_until_killed(ehcp, "timer.before_commit=2")
    assert (await ehcp.fired(), await ehcp.alerts_staged()) == (BATCH, BATCH), (
        "the first batch committed; the batch killed before its commit left its timers due and staged nothing"
    )
    await _run_until_killed(ehcp, "timer.after_commit=2")
    assert (await ehcp.fired(), await ehcp.alerts_staged()) == (3 * BATCH, 3 * BATCH), (
        "two more batches committed, the second just before the kill"
    )
    await _run_until_settled(ehcp, len(due))

    async with ehcp.service.engine.connect() as connection:
        rows = (await connection.execute(select(ehcp_due_timer).where(_scheduled()))).all()
    fired = {(row.case_id, row.limit, row.due_on, row.alert) for row in rows if row.fired_at is not None}
    assert fired == due, "every due timer fired, and no other"

    staged = await _staged_events(ehcp.service)
    staged_counts = Counter(staged.values())
    assert set(staged_counts) == due, "an outbox row for every due timer, and no other"
    assert [key for key, times in staged_counts.items() if times > 1] == [], "no due timer staged twice"
    assert len(staged) == len(due)

    published: dict[Key, set[UUID]] = {}
    for record in await _published_records(ehcp.broker):
        envelope = EventEnvelope.from_record(record.headers, record.value)
        if envelope.type in ALERTS:
            published.setdefault(_announced(envelope.type, envelope.data), set()).add(envelope.id)
    assert set(published) == due, "every due limit announced on the topic"
    assert {key: ids for key, ids in published.items() if len(ids) > 1} == {}, "no limit announced twice"
    assert {event_id for ids in published.values() for event_id in ids} == set(staged), "the staged events"
