"""Replays and redrives on the real servers: calls of the use cases as a caller, topics made and read back from
their start, and a consumer group of a producing service that counts what its handler applied."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.auth import Principal
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.domain.archived_event import ArchivedEvent
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay
from pathfinder.event_history.service_layer.reading import Call
from pathfinder.event_history.service_layer.replays import read_replay
from pathfinder.messaging.broker import TopicAdmin, TopicSpec
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.log_reader import LogReader
from pathfinder.messaging.redrive import redrive_topic
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription
from sqlalchemy import text

from event_history_kit.service import Producer, quick_consumers


def call_as(who: Principal, reason: str = "INC-7: LA 841's consumer missed a day") -> Call:
    return Call(who, reason, datetime.now(UTC))


async def make_topics(kafka: KafkaSettings, *names: str, partitions: int = 1) -> None:
    admin = TopicAdmin(kafka, client_id="tests-topics")
    try:
        await admin.ensure(TopicSpec(name, partitions, 1) for name in names)
    finally:
        await admin.close()


async def read_topic(kafka: KafkaSettings, topic: str, expected: int, *, timeout: float = 30.0) -> list[Any]:
    """The records of ``topic`` from its start (partition by partition), once ``expected`` are there or
    ``timeout`` has passed; a little longer, to see any extra one."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=None, enable_auto_commit=False)
    await consumer.start()
    records: list[Any] = []
    try:
        partitions = [TopicPartition(topic, one) for one in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(records) < expected and loop.time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
        for batch in (await consumer.getmany(timeout_ms=500)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return sorted(records, key=lambda record: (record.partition, record.offset))


async def high_watermarks(kafka: KafkaSettings, *topics: str) -> int:
    async with LogReader(kafka) as reader:
        bounds = await reader.bounds(reader.partitions(topics))
    return sum(one.end for one in bounds.values())


def ids_of(records: Sequence[Any]) -> list[UUID]:
    return [UUID(header_value(record.headers, "ce_id")) for record in records]


async def archive_directly(service: EventHistoryService, events: Sequence[ArchivedEvent]) -> list[ArchivedEvent]:
    """``events`` kept, and read back in archive order with their positions."""
    async with service.unit_of_work() as uow:
        await uow.archive.add(events)
        await uow.commit()
    async with service.unit_of_work() as uow:
        found = await uow.archive.find(EventSlice(), after=None, limit=100_000)
    positions = {(one.event_id, one.topic): one.position for one in found}
    return sorted((replace(one, position=positions[one.event_id, one.topic]) for one in events),
                  key=lambda one: one.position or 0)  # fmt: skip


async def replay_now(service: EventHistoryService, replay_id: UUID, who: Principal) -> Replay:
    return await read_replay(call_as(who), str(replay_id), uow=service.unit_of_work())


APPLIED = "tests_applied"


@dataclass
class CountingConsumer:
    """A consumer group of the producing service whose handler writes a row per event it applies, in the
    transaction of its inbox row (as a service's effect is), refusing the notification ids in ``refused``."""

    producer: Producer
    name: str
    refused: set[UUID] = field(default_factory=set)

    @property
    def group(self) -> str:
        return f"tests.{self.name}"

    @property
    def topics(self) -> list[str]:
        return [EarlyYearsNotificationReceived.topic, redrive_topic(self.group)]

    async def install(self) -> None:
        async with self.producer.engine.begin() as connection:
            await connection.execute(
                text(f"CREATE TABLE IF NOT EXISTS {APPLIED} (consumer text NOT NULL, event_id uuid NOT NULL)")
            )
        await make_topics(self.producer.kafka, *self.topics, partitions=3)

    def consumer(self) -> EventConsumer[SqlUnitOfWork]:
        group, refused = self.group, self.refused

        async def apply(event: EarlyYearsNotificationReceived, uow: SqlUnitOfWork, context: EventContext) -> None:
            if event.notification_id in refused:
                raise RuntimeError("the handler refuses this event")
            await uow.session.execute(
                text(f"INSERT INTO {APPLIED} (consumer, event_id) VALUES (:group, :event_id)"),
                {"group": group, "event_id": context.delivery.event_id},
            )

        subscription = Subscription[SqlUnitOfWork](self.name).on(EarlyYearsNotificationReceived, apply)
        return EventConsumer(
            service="tests", subscription=subscription, uow_factory=self.producer.unit_of_work,
            engine=self.producer.engine, kafka=self.producer.kafka, settings=quick_consumers(),
        )  # fmt: skip

    async def applied(self) -> Counter[UUID]:
        async with self.producer.engine.connect() as connection:
            rows = await connection.execute(
                text(f"SELECT event_id FROM {APPLIED} WHERE consumer = :group"), {"group": self.group}
            )
            return Counter(row.event_id for row in rows)
