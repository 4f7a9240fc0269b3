"""Reading partitions directly, outside any consumer group: where their logs start and end, the offsets and
timestamps of their records, and which offset a time stands for.

A partition's end is the high watermark of a fetch response (``highwater()``), never ListOffsets latest
(``end_offsets()``), which the embedded broker answers with a wrong, too-small offset.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Iterable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.messaging.broker import connection_options
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.messaging.time_lookup import first_at_or_after, offset_for_time

log = logging.getLogger(__name__)


class UnknownTopic(LookupError):
    """A topic asked about does not exist on the broker."""


@dataclass(frozen=True, slots=True)
class LogBounds:
    start: int  # the first offset still in the log
    end: int  # the high watermark: the offset the next record will get


class LogReader:
    """One consumer without a group, for the lookups below; use ``async with``."""

    def __init__(self, kafka: KafkaSettings, *, timeout_seconds: float = 30.0) -> None:
        self._kafka = kafka
        self._timeout = timeout_seconds
        self._client: AIOKafkaConsumer | None = None

    async def __aenter__(self) -> Self:
        client = AIOKafkaConsumer(
            client_id=f"pathfinder-log-reader-{uuid4().hex[:8]}",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **connection_options(self._kafka),
        )
        await client.start()
        # aiokafka 0.14 raises CancelledError when stopping a group-less consumer whose background task never ran.
        await asyncio.sleep(0)
        self._client = client
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.stop()

    @property
    def _consumer(self) -> AIOKafkaConsumer:
        assert self._client is not None, "use LogReader with 'async with'"
        return self._client

    def partitions(self, topics: Iterable[str]) -> list[TopicPartition]:
        """Every partition of ``topics``, as the broker listed them when the reader started."""
        found: list[TopicPartition] = []
        for topic in sorted(set(topics)):
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise UnknownTopic(f"topic {topic!r} does not exist on the broker")
            found.extend(TopicPartition(topic, number) for number in sorted(numbers))
        return found

    async def bounds(self, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, LogBounds]:
        consumer = self._consumer
        consumer.assign(list(partitions))
        starts = await consumer.beginning_offsets(list(partitions))
        for partition in partitions:
            consumer.seek(partition, starts[partition])
        deadline = asyncio.get_running_loop().time() + self._timeout
        # A fetch response carries each partition's high watermark, records or not.
        while any(consumer.highwater(partition) is None for partition in partitions):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"no fetch response from the broker within {self._timeout} s")
            await consumer.getmany(timeout_ms=200)
        return {partition: LogBounds(starts[partition], consumer.highwater(partition)) for partition in partitions}

    async def broker_offsets_for(self, partitions: Sequence[TopicPartition], at_ms: int) -> dict[TopicPartition, int]:
        """The broker's own answer (ListOffsets for a time); a partition is missing when it says there is none."""
        answers = await self._consumer.offsets_for_times({partition: at_ms for partition in partitions})
        return {partition: answer.offset for partition, answer in answers.items() if answer is not None}

    async def records(
        self, partition: TopicPartition, start: int, end: int
    ) -> AsyncGenerator[list[tuple[int, int]], None]:
        """The (offset, timestamp) of the partition's records from ``start`` up to ``end``, a fetch at a time."""
        consumer = self._consumer
        consumer.assign([partition])
        consumer.seek(partition, start)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        while await consumer.position(partition) < end:
            fetched = (await consumer.getmany(partition, timeout_ms=500)).get(partition, [])
            if fetched:
                deadline = loop.time() + self._timeout
                yield [(record.offset, record.timestamp) for record in fetched if record.offset < end]
            elif loop.time() > deadline:
                raise TimeoutError(f"no records from {partition.topic}/{partition.partition} within {self._timeout} s")


async def offsets_at(
    kafka: KafkaSettings, partitions: Sequence[TopicPartition], at: datetime
) -> dict[TopicPartition, int]:
    """For each partition, the first offset whose record timestamp is at or after ``at``, or the partition's end
    (its high watermark) when there is none: the offset a consumer reads from to see what happened from ``at``."""
    if at.tzinfo is None:
        raise ValueError("the time must be timezone-aware")
    at_ms = int(at.timestamp() * 1000)
    async with LogReader(kafka) as reader:
        bounds = await reader.bounds(partitions)
        answers = await reader.broker_offsets_for(partitions, at_ms)
        return {
            partition: await _offset_at(reader, partition, at_ms, answers.get(partition), bounds[partition])
            for partition in partitions
        }


async def _offset_at(
    reader: LogReader, partition: TopicPartition, at_ms: int, answered: int | None, bounds: LogBounds
) -> int:
    found_ms = before_ms = None
    if answered is not None and bounds.start <= answered < bounds.end:
        async with aclosing(reader.records(partition, max(answered - 1, bounds.start), bounds.end)) as batches:
            async for batch in batches:
                before_ms = next((stamp for offset, stamp in reversed(batch) if offset < answered), before_ms)
                found_ms = next((stamp for offset, stamp in batch if offset >= answered), None)
                if found_ms is not None:
                    break
    offset = offset_for_time(at_ms, answered=answered, end=bounds.end, found_ms=found_ms, before_ms=before_ms)
    if offset is not None:
        return offset
    log.warning(
        "the broker's offset for a time disagrees with the records there: reading the partition instead",
        extra={"topic": partition.topic, "partition": partition.partition, "answered": answered},
    )
    async with aclosing(reader.records(partition, bounds.start, bounds.end)) as batches:
        async for batch in batches:
            offset = first_at_or_after(at_ms, batch)
            if offset is not None:
                return offset
    return bounds.end
