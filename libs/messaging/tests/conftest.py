"""A tiny consuming service for the messaging tests: it records every application of an event in a table
with no unique constraint, so an event applied twice shows up as two rows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.messaging.broker import new_producer
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.schema import install_messaging_schema_v1, outbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription
from pathfinder.messaging.workers import Worker
from pathfinder.persistence.database import asyncpg_dsn, create_engine, session_factory
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncEngine

test_metadata = MetaData()
applied = Table(
    "applied",
    test_metadata,
    Column("row", Integer, primary_key=True, autoincrement=True),
    Column("event_id", PgUUID(as_uuid=True), nullable=False),
    Column("person_id", PgUUID(as_uuid=True), nullable=False),
)


def notification_event(person_id: UUID | None = None, la: str = "841") -> EarlyYearsNotificationReceived:
    return EarlyYearsNotificationReceived(
        person_id=person_id or uuid4(),
        responsible_la=la,
        notification_id=uuid4(),
        notifying_organisation="RR8",
        opinion_formed_on=date(2026, 11, 2),
        submission_format="json",
        source_message_id=None,
        received_at=datetime.now(UTC),
    )


@dataclass
class Poison:
    """Notification ids whose handler raises, and how often it was called for them."""

    ids: set[UUID] = field(default_factory=set)
    calls: dict[UUID, int] = field(default_factory=dict)


@dataclass
class MessagingRig:
    """One database with the messaging schema, a relay and a consumer on a fresh broker."""

    engine: AsyncEngine
    database_url: str
    kafka: KafkaSettings
    broker: EmbeddedBroker
    poison: Poison
    outbox_settings: OutboxSettings
    consumer_settings: ConsumerSettings

    event = staticmethod(notification_event)

    @staticmethod
    async def wait_until(condition: Callable[[], Awaitable[bool]], *, timeout: float = 60.0, what: str = "") -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.1)

    @staticmethod
    @asynccontextmanager
    async def running(*workers: Worker) -> AsyncIterator[asyncio.Event]:
        """The workers run until the block ends."""
        stop = asyncio.Event()
        tasks = [asyncio.create_task(worker(stop)) for worker in workers]
        try:
            yield stop
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    @staticmethod
    async def apply(uow: SqlUnitOfWork, event_id: UUID, person_id: UUID) -> None:
        """What a test consumer's handler does: one row for each application."""
        await uow.session.execute(insert(applied).values(event_id=event_id, person_id=person_id))

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory(self.engine), source="/pathfinder/tests")

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            service="notifications",
            engine=self.engine,
            listen_dsn=asyncpg_dsn(self.database_url),
            kafka=self.kafka,
            settings=self.outbox_settings,
            topics=[EarlyYearsNotificationReceived.topic, "tests.intake.dead-letter", "tests.intake.redrive"],
        )

    def consumer(self) -> EventConsumer[SqlUnitOfWork]:
        poison = self.poison

        async def apply(event: EarlyYearsNotificationReceived, uow: SqlUnitOfWork, context: EventContext) -> None:
            if event.notification_id in poison.ids:
                poison.calls[event.notification_id] = poison.calls.get(event.notification_id, 0) + 1
                raise RuntimeError("handler refuses this event")
            await self.apply(uow, context.delivery.event_id, event.person_id)

        return EventConsumer(
            service="tests",
            subscription=Subscription[SqlUnitOfWork]("intake").on(EarlyYearsNotificationReceived, apply),
            uow_factory=self.unit_of_work,
            engine=self.engine,
            kafka=self.kafka,
            settings=self.consumer_settings,
        )

    async def publish(self, events: list[EarlyYearsNotificationReceived]) -> list[UUID]:
        """Commit the events to the outbox; returns their CloudEvents ids in order."""
        async with self.unit_of_work() as uow:
            messages = [message_for_event(event, source="/pathfinder/tests") for event in events]
            for message in messages:
                uow.publish_raw(message)
            await uow.commit()
        return [message.event_id for message in messages]

    async def produce(
        self, topic: str, records: list[tuple[bytes | None, list[tuple[str, bytes]], bytes | None]]
    ) -> None:
        """Records (key, headers, value) as another system would write them, past the outbox."""
        producer = new_producer(self.kafka, client_id="tests-raw")
        await producer.start()
        try:
            for key, headers, value in records:
                await producer.send_and_wait(topic, value=value, key=key, headers=headers)
        finally:
            await producer.stop()

    async def read_topic(self, topic: str, expected: int, *, timeout: float = 30.0) -> list[Any]:
        """The records of ``topic`` from its start, once ``expected`` are there (or ``timeout`` has passed)."""
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=self.kafka.bootstrap_servers, auto_offset_reset="earliest", group_id=None
        )
        await consumer.start()
        records: list[Any] = []
        try:
            deadline = asyncio.get_running_loop().time() + timeout
            while len(records) < expected and asyncio.get_running_loop().time() < deadline:
                batch = await consumer.getmany(timeout_ms=500)
                for partition_records in batch.values():
                    records.extend(partition_records)
        finally:
            await consumer.stop()
        return records

    async def applied_rows(self) -> list[Any]:
        async with self.engine.connect() as connection:
            return list((await connection.execute(select(applied))).all())

    async def unpublished(self) -> int:
        async with self.engine.connect() as connection:
            count = await connection.execute(select(func.count()).where(outbox.c.published_at.is_(None)))
            return int(count.scalar_one())


@pytest.fixture
async def rig(
    fresh_broker: EmbeddedBroker, fresh_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[MessagingRig]:
    url = await fresh_database("messaging")
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(install_messaging_schema_v1)
        await connection.run_sync(test_metadata.create_all)
    try:
        yield MessagingRig(
            engine=engine,
            database_url=url,
            kafka=KafkaSettings(
                bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3
            ),
            broker=fresh_broker,
            poison=Poison(),
            outbox_settings=OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5),
            consumer_settings=ConsumerSettings(
                max_attempts=3, backoff_initial_seconds=0.01, backoff_max_seconds=0.05, session_timeout_ms=6000
            ),
        )
    finally:
        await engine.dispose()
