"""Event consumers: a Kafka consumer group whose handlers apply each event exactly once in effect.

For each partition batch: claim the events in the inbox, run the handlers, commit the database transaction,
then commit the Kafka offsets. A crash between the two commits redelivers events whose inbox rows exist, so
they are skipped. When a handler fails, the batch is rolled back and retried one event at a time with
backoff; failed attempts are counted in the database, and after ``max_attempts`` the event goes to the
group's dead-letter topic and the partition moves on. Malformed records and unknown event types go there at
once: retrying cannot fix them, and so does an event a handler refuses (:class:`Refused`). The group also reads
its redrive topic, where dead letters come back once the fault is fixed (:mod:`pathfinder.messaging.redrive_handling`).
The inbox knows each delivery by the subscription's inbox key (the event id unless it says otherwise).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.messaging import inbox, metrics
from pathfinder.messaging.broker import new_consumer
from pathfinder.messaging.dead_letter import dead_letter_message, dead_letter_topic
from pathfinder.messaging.delivery import DeadLetterReason, Delivery, read_record
from pathfinder.messaging.faults import fault_point
from pathfinder.messaging.partition_reading import commit_offsets, lag_after_fetch, log_was_replaced
from pathfinder.messaging.processing import process_span
from pathfinder.messaging.redrive import redrive_topic
from pathfinder.messaging.redrive_handling import RedriveHandler
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Refused, Subscription
from pathfinder.messaging.workers import keep_stepping, wait_or_stop
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

UoW = TypeVar("UoW", bound=SqlUnitOfWork)


class EventConsumer(Generic[UoW]):
    def __init__(
        self,
        *,
        service: str,
        subscription: Subscription[UoW],
        uow_factory: Callable[[], UoW],
        engine: AsyncEngine,
        kafka: KafkaSettings,
        settings: ConsumerSettings,
    ) -> None:
        self.group = f"{service}.{subscription.name}"
        self.dead_letter_topic = dead_letter_topic(self.group)
        self.redrive_topic = redrive_topic(self.group)
        self._subscription = subscription
        self._uow_factory = uow_factory
        self._engine = engine
        self._kafka = kafka
        self._settings = settings
        self._consumer: AIOKafkaConsumer | None = None
        self._epochs: dict[TopicPartition, set[str]] = {}
        self._stop: asyncio.Event | None = None
        self._redrives = RedriveHandler(
            group=self.group,
            subscription=subscription,
            uow_factory=uow_factory,
            engine=engine,
            settings=settings,
            back_off=self._back_off,
        )

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop

        async def step() -> bool:
            await self._connect()
            try:
                await self.poll_once()
            except _Stopping:
                return False  # the event retried stays uncommitted: whoever reads the partition next applies it
            return True  # polling waits for records itself

        try:
            await keep_stepping(
                stop,
                step,
                name=f"consumer {self.group}",
                idle_seconds=0,
                after_failure=self._disconnect,
                failure_pause_seconds=1.0,
            )
        finally:
            await self._disconnect()

    async def poll_once(self, timeout_ms: int = 1000) -> int:
        """Fetch and process what is there; returns the number of records handled."""
        consumer = self._consumer
        assert consumer is not None
        batches = await consumer.getmany(timeout_ms=timeout_ms, max_records=self._settings.max_batch)
        handled = 0
        for partition, records in batches.items():
            next_offset = await self._process_partition(partition, records)
            if next_offset is None:
                continue
            handled += len(records)
            await commit_offsets(consumer, {partition: next_offset}, group=self.group)
        for partition, lag in (await lag_after_fetch(consumer)).items():
            metrics.record_consumer_lag(self.group, partition.topic, partition.partition, lag)
        return handled

    async def start(self) -> None:
        """Join the group (``run`` does this itself; tests and tools drive ``poll_once`` directly)."""
        await self._connect()

    async def stop(self) -> None:
        await self._disconnect()

    async def _connect(self) -> None:
        if self._consumer is not None:
            return
        consumer = new_consumer(
            self._kafka,
            [*self._subscription.topics(), self.redrive_topic],
            group_id=self.group,
            session_timeout_ms=self._settings.session_timeout_ms,
        )
        await consumer.start()
        self._consumer = consumer

    async def _disconnect(self) -> None:
        consumer, self._consumer = self._consumer, None
        self._epochs.clear()
        metrics.forget_consumer_lag(self.group)
        if consumer is not None:
            try:
                await consumer.stop()
            except Exception:
                log.warning("error while stopping consumer", exc_info=True, extra={"group": self.group})

    async def _process_partition(self, partition: TopicPartition, records: Sequence[Any]) -> int | None:
        assert self._consumer is not None
        if log_was_replaced(self._consumer, partition, records, self._epochs):
            return None
        if partition.topic == self.redrive_topic:
            for record in records:  # rare, and each must be checked against the inbox alone
                await self._redrives.handle(record)
            return int(records[-1].offset) + 1
        deliveries = [read_record(record) for record in records]
        if not await self._apply_batch(deliveries):
            for delivery in deliveries:
                await self._apply_one(delivery)
        return int(records[-1].offset) + 1

    async def _apply_batch(self, deliveries: Sequence[Delivery]) -> bool:
        """Apply every delivery in one transaction; False (and nothing applied) if any handler raised."""
        async with self._uow_factory() as uow:
            try:
                await self._apply(uow, deliveries, attempts=1)
            except Exception as error:
                log.info("batch failed; applying its events one by one", extra={"group": self.group})
                if not isinstance(error, Refused):
                    metrics.handler_errors.add(1, {"messaging.consumer.group.name": self.group})
                await uow.rollback()
                return False
            fault_point("consumer.before_db_commit")
            await uow.commit()
        fault_point("consumer.after_db_commit")
        return True

    async def _apply(self, uow: UoW, deliveries: Sequence[Delivery], *, attempts: int) -> None:
        readable = [d for d in deliveries if d.event is not None and self._subscription.handler_for(d.event)]
        rejected = [d for d in deliveries if d.rejection is not None]
        keys = [self._subscription.inbox_key(d) for d in readable]
        new_keys = await inbox.claim(uow.session, self.group, list(map(_entry, readable, keys)), inbox.PROCESSED)
        for delivery, key in zip(readable, keys, strict=True):
            if key not in new_keys:
                continue
            assert delivery.event is not None and delivery.envelope is not None
            handler = self._subscription.handler_for(delivery.event)
            assert handler is not None
            with process_span(self.group, delivery):
                await handler(delivery.event, uow, EventContext(self.group, delivery))
            new_keys.discard(key)  # a repeated key within one batch is applied once
        for delivery in rejected:
            assert delivery.rejection is not None
            await self._dead_letter(uow, delivery, delivery.rejection, delivery.problem or "", attempts)
        processed = len(readable)
        if processed:
            metrics.processed_events.add(processed, {"messaging.consumer.group.name": self.group})

    async def _apply_one(self, delivery: Delivery) -> None:
        key = self._subscription.inbox_key(delivery)
        attempts = await inbox.previous_failures(self._engine, self.group, key)
        while True:
            if attempts >= self._settings.max_attempts:
                error = await inbox.last_error(self._engine, self.group, key)
                await self._dead_letter_alone(delivery, DeadLetterReason.HANDLER_FAILED, error, attempts)
                return
            try:
                async with self._uow_factory() as uow:
                    await self._apply(uow, [delivery], attempts=attempts + 1)
                    fault_point("consumer.before_db_commit")
                    await uow.commit()
                fault_point("consumer.after_db_commit")
                return
            except Refused as refusal:
                await self._dead_letter_alone(delivery, refusal.reason, refusal.message, attempts + 1)
                return
            except Exception as error:
                metrics.handler_errors.add(1, {"messaging.consumer.group.name": self.group})
                problem = inbox.failure_text(error)
                attempts = await inbox.record_failure(self._engine, self.group, key, problem)
                log.warning(
                    "handler failed",
                    extra={"group": self.group, "event_id": str(delivery.event_id), "attempts": attempts},
                )
                if attempts < self._settings.max_attempts:
                    await self._back_off(attempts)

    async def _dead_letter_alone(self, delivery: Delivery, reason: DeadLetterReason, error: str, attempts: int) -> None:
        async with self._uow_factory() as uow:
            await self._dead_letter(uow, delivery, reason, error, attempts)
            await uow.commit()

    async def _dead_letter(
        self, uow: UoW, delivery: Delivery, reason: DeadLetterReason, error: str, attempts: int
    ) -> None:
        entry = _entry(delivery, self._subscription.inbox_key(delivery))
        claimed = await inbox.claim(uow.session, self.group, [entry], inbox.DEAD_LETTERED)
        if not claimed:
            return
        uow.publish_raw(
            dead_letter_message(delivery, consumer_group=self.group, reason=reason, error=error, attempts=attempts)
        )
        metrics.dead_lettered_events.add(1, {"messaging.consumer.group.name": self.group, "reason": reason.value})
        log.warning(
            "event dead-lettered",
            extra={"group": self.group, "event_id": str(delivery.event_id), "reason": reason.value},
        )

    async def _back_off(self, attempts: int) -> None:
        ceiling = min(self._settings.backoff_max_seconds, self._settings.backoff_initial_seconds * 2 ** (attempts - 1))
        pause = random.uniform(ceiling / 2, ceiling)
        if self._stop is None:  # driven by poll_once alone (tests, tools)
            await asyncio.sleep(pause)
            return
        await wait_or_stop(self._stop, pause)
        if self._stop.is_set():
            raise _Stopping

    def lag(self) -> dict[tuple[str, int], int]:
        return metrics.consumer_lag_snapshot(self.group)


class _Stopping(Exception):
    """The worker is stopping while an event waits to be tried again."""


def _entry(delivery: Delivery, key: UUID) -> inbox.InboxEntry:
    return inbox.InboxEntry(
        event_id=key,
        event_type=delivery.event_type,
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
    )
