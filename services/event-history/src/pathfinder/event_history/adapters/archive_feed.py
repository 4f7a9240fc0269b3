"""The archive's feed: one consumer group (``event-history.archive``) subscribed by pattern to every archived
topic, committing offsets by hand and only for batches already kept.

A topic created later (a new dead-letter topic, say) joins the subscription when the consumer's metadata next
refreshes. When the broker lost its log and the outbox published it again (a new relay epoch on a partition), or
a partition shrank below our position, the partition is read again from its start: the archive keeps each
record once, so reading again costs time, never a duplicate.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.event_history.adapters.kafka_records import archived_record
from pathfinder.event_history.domain.archived_event import ArchivedEvent
from pathfinder.event_history.domain.topics import ArchiveTopics
from pathfinder.event_history.service_layer.ports import FeedBatch
from pathfinder.messaging.broker import consumer_options
from pathfinder.messaging.partition_reading import commit_offsets, lag_after_fetch, log_was_replaced
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings

log = logging.getLogger(__name__)

ARCHIVE_GROUP = "event-history.archive"


class KafkaArchiveFeed:
    def __init__(
        self, kafka: KafkaSettings, settings: ConsumerSettings, topics: ArchiveTopics, *,
        group: str = ARCHIVE_GROUP, poll_timeout_ms: int = 1000,
    ) -> None:  # fmt: skip
        self.group = group
        self._kafka = kafka
        self._settings = settings
        self._topics = topics
        self._poll_timeout_ms = poll_timeout_ms
        self._consumer: AIOKafkaConsumer | None = None
        self._epochs: dict[TopicPartition, set[str]] = {}

    async def next_batch(self) -> FeedBatch:
        consumer = await self._connect()
        batches = await consumer.getmany(timeout_ms=self._poll_timeout_ms, max_records=self._settings.max_batch)
        events: list[ArchivedEvent] = []
        next_offsets: dict[tuple[str, int], int] = {}
        for partition, records in batches.items():
            if log_was_replaced(consumer, partition, records, self._epochs):
                continue
            events.extend(archived_record(record) for record in records)
            next_offsets[(partition.topic, partition.partition)] = int(records[-1].offset) + 1
        await lag_after_fetch(consumer)  # for its re-reading of a partition that shrank below our position
        return FeedBatch(events, next_offsets)

    async def commit(self, batch: FeedBatch) -> None:
        consumer = self._consumer
        if consumer is None or not batch.next_offsets:
            return
        offsets = {TopicPartition(topic, part): offset for (topic, part), offset in batch.next_offsets.items()}
        await commit_offsets(consumer, offsets, group=self.group)  # what is read again is archived once

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        self._epochs.clear()
        if consumer is not None:
            try:
                await consumer.stop()
            except Exception:
                log.warning("error while stopping the archive consumer", exc_info=True)

    async def _connect(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            options = consumer_options(self._kafka, self.group, session_timeout_ms=self._settings.session_timeout_ms)
            consumer = AIOKafkaConsumer(client_id=self.group, **options)
            consumer.subscribe(pattern=self._topics.pattern())
            await consumer.start()
            self._consumer = consumer
        return self._consumer
