"""Event consumers: a Kafka consumer group whose handlers apply each event exactly once in effect.

For each partition batch: claim the events in the inbox, run the handlers, commit the database transaction,
then commit the Kafka offsets. A crash between the two commits redelivers events whose inbox rows exist, so
they are skipped. When a handler fails, the batch is rolled back and retried one event at a time with
backoff; failed attempts are counted in the database, and after ``max_attempts`` the event goes to the
group's dead-letter topic and the partition moves on. Malformed records and unknown event types go there at
once: retrying cannot fix them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pathfinder.messaging import inbox, metrics
from pathfinder.messaging.broker import new_consumer
from pathfinder.messaging.dead_letter import dead_letter_message, dead_letter_topic
from pathfinder.messaging.delivery import DeadLetterReason, Delivery, read_record
from pathfinder.messaging.envelope import EPOCH_HEADER, header_value
from pathfinder.messaging.faults import fault_point
from pathfinder.messaging.processing import process_span
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription
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
        self._subscription = subscription
        self._uow_factory = uow_factory
        self._engine = engine
        self._kafka = kafka
        self._settings = settings
        self._consumer: AIOKafkaConsumer | None = None
        self._epochs: dict[TopicPartition, set[str]] = {}
        self._stop: asyncio.Event | None = None

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
            await self._commit_offset(partition, next_offset)
        await self._record_lag(consumer)
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
            self._subscription.topics(),
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
        if self._log_was_replaced(partition, records):
            return None
        deliveries = [read_record(record) for record in records]
        if not await self._apply_batch(deliveries):
            for delivery in deliveries:
                await self._apply_one(delivery)
        return int(records[-1].offset) + 1

    def _log_was_replaced(self, partition: TopicPartition, records: Sequence[Any]) -> bool:
        """A new relay epoch on a partition means the broker lost the log we were reading: read it again."""
        seen = self._epochs.setdefault(partition, set())
        for record in records:
            epoch = header_value(record.headers or (), EPOCH_HEADER)
            if epoch is None or epoch in seen:
                continue
            first_sight = not seen
            seen.add(epoch)
            if not first_sight:
                log.warning("relay epoch changed: re-reading partition", extra={"partition": str(partition)})
                assert self._consumer is not None
                self._consumer.seek(partition, 0)
                return True
        return False

    async def _apply_batch(self, deliveries: Sequence[Delivery]) -> bool:
        """Apply every delivery in one transaction; False (and nothing applied) if any handler raised."""
        async with self._uow_factory() as uow:
            try:
                await self._apply(uow, deliveries, attempts=1)
            except Exception:
                log.info("batch failed; applying its events one by one", extra={"group": self.group})
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
        new_ids = await inbox.claim(uow.session, self.group, [_entry(d) for d in readable], inbox.PROCESSED)
        for delivery in readable:
            if delivery.event_id not in new_ids:
                continue
            assert delivery.event is not None and delivery.envelope is not None
            handler = self._subscription.handler_for(delivery.event)
            assert handler is not None
            with process_span(self.group, delivery):
                await handler(delivery.event, uow, EventContext(self.group, delivery))
            new_ids.discard(delivery.event_id)  # a repeated id within one batch is applied once
        for delivery in rejected:
            assert delivery.rejection is not None
            await self._dead_letter(uow, delivery, delivery.rejection, delivery.problem or "", attempts)
        processed = len(readable)
        if processed:
            metrics.processed_events.add(processed, {"messaging.consumer.group.name": self.group})

    async def _apply_one(self, delivery: Delivery) -> None:
        attempts = await inbox.previous_failures(self._engine, self.group, delivery.event_id)
        while True:
            if attempts >= self._settings.max_attempts:
                await self._dead_letter_alone(delivery, attempts)
                return
            try:
                async with self._uow_factory() as uow:
                    await self._apply(uow, [delivery], attempts=attempts + 1)
                    fault_point("consumer.before_db_commit")
                    await uow.commit()
                fault_point("consumer.after_db_commit")
                return
            except Exception as error:
                metrics.handler_errors.add(1, {"messaging.consumer.group.name": self.group})
                attempts = await inbox.record_failure(self._engine, self.group, delivery.event_id, _describe(error))
                log.warning(
                    "handler failed",
                    extra={"group": self.group, "event_id": str(delivery.event_id), "attempts": attempts},
                )
                if attempts < self._settings.max_attempts:
                    await self._back_off(attempts)

    async def _dead_letter_alone(self, delivery: Delivery, attempts: int) -> None:
        error = await inbox.last_error(self._engine, self.group, delivery.event_id)
        async with self._uow_factory() as uow:
            await self._dead_letter(uow, delivery, DeadLetterReason.HANDLER_FAILED, error, attempts)
            await uow.commit()

    async def _dead_letter(
        self, uow: UoW, delivery: Delivery, reason: DeadLetterReason, error: str, attempts: int
    ) -> None:
        claimed = await inbox.claim(uow.session, self.group, [_entry(delivery)], inbox.DEAD_LETTERED)
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

    async def _commit_offset(self, partition: TopicPartition, next_offset: int) -> None:
        assert self._consumer is not None
        try:
            await self._consumer.commit({partition: next_offset})
        except (CommitFailedError, IllegalStateError, KafkaError) as error:
            # The group moved on (rebalance, broker restart): the new owner starts from the last committed
            # offset and the inbox turns what we already applied into no-ops.
            log.warning("offset commit failed", extra={"group": self.group, "error": repr(error)})

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Lag = high watermark (from the last fetch response) minus our position. ``end_offsets()`` is not
        used: the embedded broker answers it wrongly, while the fetch high watermark is right on both."""
        for partition in consumer.assignment():
            highwater = consumer.highwater(partition)
            if highwater is None:
                continue
            position = await consumer.position(partition)
            if position > highwater:
                log.warning("partition shrank below our position: re-reading", extra={"partition": str(partition)})
                consumer.seek(partition, 0)
                continue
            metrics.record_consumer_lag(self.group, partition.topic, partition.partition, highwater - position)

    def lag(self) -> dict[tuple[str, int], int]:
        return metrics.consumer_lag_snapshot(self.group)


class _Stopping(Exception):
    """The worker is stopping while an event waits to be tried again."""


def _entry(delivery: Delivery) -> inbox.InboxEntry:
    return inbox.InboxEntry(
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        topic=delivery.topic,
        partition=delivery.partition,
        offset=delivery.offset,
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
