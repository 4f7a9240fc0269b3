"""Reading a whole topic for the gap check, outside any consumer group: every partition from its first record to
the high watermark the first fetch reported (from a fetch, never ``end_offsets()``: see the platform notes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.event_history.adapters.kafka_records import archived_record
from pathfinder.event_history.domain.gaps import Located
from pathfinder.messaging.broker import TopicAdmin, connection_options
from pathfinder.messaging.settings import KafkaSettings


class TopicScanTimedOut(TimeoutError):
    pass


class KafkaTopicScanner:
    def __init__(self, kafka: KafkaSettings, *, batch: int = 5000, timeout_seconds: float = 600.0) -> None:
        self._kafka = kafka
        self._batch = batch
        self._timeout_seconds = timeout_seconds

    async def topics(self) -> list[str]:
        admin = TopicAdmin(self._kafka, client_id="event-history-gap-check")
        try:
            return sorted(await admin.existing_topics())
        finally:
            await admin.close()

    async def records(self, topic: str) -> AsyncIterator[list[Located]]:
        consumer = AIOKafkaConsumer(
            client_id="event-history-gap-check", enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_committed", **connection_options(self._kafka),
        )  # fmt: skip
        await consumer.start()
        try:
            await consumer.topics()
            partitions = [TopicPartition(topic, one) for one in sorted(consumer.partitions_for_topic(topic) or ())]
            if not partitions:
                return
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            deadline = asyncio.get_running_loop().time() + self._timeout_seconds
            ends: dict[TopicPartition, int] = {}
            pending = set(partitions)
            while pending:
                if asyncio.get_running_loop().time() > deadline:
                    raise TopicScanTimedOut(f"{topic} was not read to its end in {self._timeout_seconds:.0f} s")
                fetched = await consumer.getmany(*pending, timeout_ms=500, max_records=self._batch)
                located: list[Located] = []
                for partition, records in fetched.items():
                    end = ends.get(partition, consumer.highwater(partition))
                    for record in records:
                        if end is not None and record.offset >= end:
                            continue  # published after the check began
                        kept = archived_record(record)
                        located.append(Located(kept.event_id, topic, record.partition, record.offset, kept.record_time))
                for partition in list(pending):
                    highwater = consumer.highwater(partition)
                    if highwater is None:
                        continue
                    ends.setdefault(partition, highwater)
                    if await consumer.position(partition) >= ends[partition]:
                        pending.discard(partition)
                if located:
                    yield located
        finally:
            await consumer.stop()
