# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Offsets for a time, rewinding a consumer group and its lag, on the real broker.

The embedded broker answers ListOffsets for a time wrongly after the last record (offset 0), looks times up by
when it appended records rather than by their timestamps, answers ``end_offsets()`` wrongly and keeps listing a
group member that stopped without leaving; these tests hold on it as they would on Apache Kafka.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.messaging.broker import TopicAdmin, new_consumer, new_producer, topic_specs
from pathfinder.messaging.group_offsets import GroupHasLiveMembers, group_lag, rewind_group
from pathfinder.messaging.log_reader import UnknownTopic, offsets_at
from pathfinder.messaging.settings import KafkaSettings

TOPIC = "tests.offsets"
GROUP = "tests.offsets-reader"
PARTITIONS = [TopicPartition(TOPIC, number) for number in range(3)]  # the last one stays empty


@pytest.fixture
async def kafka(fresh_broker) -> KafkaSettings:
    settings = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    admin = TopicAdmin(settings, client_id="tests-offsets")
    try:
        await admin.ensure(topic_specs(settings, [TOPIC]))
    finally:
        await admin.close()
    return settings


async def produce(kafka: KafkaSettings, per_partition: dict[int, int], *, stamps: list[int] | None = None) -> None:
    producer = new_producer(kafka, client_id="tests-offsets")
    await producer.start()
    try:
        for partition, count in per_partition.items():
            for index in range(count):
                stamp = stamps[index] if stamps else None
                await producer.send_and_wait(TOPIC, b"record", partition=partition, timestamp_ms=stamp)
    finally:
        await producer.stop()


async def two_waves(kafka: KafkaSettings) -> datetime:
    """Five records on partitions 0 and 1, then five more; returns a time between the two waves."""
    await produce(kafka, {0: 5, 1: 5})
    await asyncio.sleep(0.5)
    between = datetime.now(UTC)
    await asyncio.sleep(0.5)
    await produce(kafka, {0: 5, 1: 5})
    return between


@asynccontextmanager
async def group_member(kafka: KafkaSettings) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = new_consumer(kafka, [TOPIC], group_id=GROUP, session_timeout_ms=6000)
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def read_and_commit(consumer: AIOKafkaConsumer, *, wait_seconds: float) -> list[tuple[int, int]]:
    """What the group member reads within ``wait_seconds`` of its first record (or of joining), committed."""
    read: list[tuple[int, int]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while loop.time() < deadline:
        batch = await consumer.getmany(timeout_ms=500)
        for partition, records in batch.items():
            read.extend((partition.partition, record.offset) for record in records)
            await consumer.commit({partition: records[-1].offset + 1})
        if consumer.assignment() and not batch:
            deadline = min(deadline, loop.time() + wait_seconds)
    return sorted(read)


async def committed(kafka: KafkaSettings) -> dict[int, int | None]:
    return {lag.partition: lag.committed for lag in await group_lag(kafka, GROUP, [TOPIC])}


async def test_the_offset_for_a_time_is_the_first_record_at_or_after_it_or_the_end(kafka) -> None:
    between = await two_waves(kafka)

    assert await offsets_at(kafka, PARTITIONS, between) == dict(zip(PARTITIONS, [5, 5, 0], strict=True))
    assert await offsets_at(kafka, PARTITIONS, between - timedelta(hours=1)) == dict(
        zip(PARTITIONS, [0, 0, 0], strict=True)
    )
    # After the last record there is none: the end, not the embedded broker's offset 0.
    assert await offsets_at(kafka, PARTITIONS, datetime.now(UTC) + timedelta(seconds=1)) == dict(
        zip(PARTITIONS, [10, 10, 0], strict=True)
    )


async def test_records_stamped_before_they_were_appended_are_found_by_their_own_timestamps(kafka) -> None:
    """The relay stamps each record with its outbox row's creation time, which a backlog puts before the
    broker appends it: a time is looked up among the records' own timestamps, as Kafka does."""
    base = int(time.time() * 1000) - 60_000
    await produce(kafka, {0: 5}, stamps=[base + index * 10_000 for index in range(5)])
    at = datetime.fromtimestamp((base + 25_000) / 1000, UTC)
    assert (await offsets_at(kafka, PARTITIONS[:1], at))[PARTITIONS[0]] == 3
    after_the_stamps = datetime.fromtimestamp((base + 41_000) / 1000, UTC)
    assert (await offsets_at(kafka, PARTITIONS[:1], after_the_stamps))[PARTITIONS[0]] == 5


async def test_a_rewound_group_reads_again_from_the_time_and_a_time_after_the_last_record_replays_nothing(
    kafka,
) -> None:
    between = await two_waves(kafka)
    async with group_member(kafka) as consumer:
        assert len(await read_and_commit(consumer, wait_seconds=1)) == 20

    rewound = await rewind_group(kafka, GROUP, [TOPIC], between)

    assert rewound == dict(zip(PARTITIONS, [5, 5, 0], strict=True))
    assert await committed(kafka) == {0: 5, 1: 5, 2: 0}
    async with group_member(kafka) as consumer:
        second_wave = await read_and_commit(consumer, wait_seconds=1)
    assert second_wave == [(partition, offset) for partition in (0, 1) for offset in range(5, 10)]

    await rewind_group(kafka, GROUP, [TOPIC], datetime.now(UTC) + timedelta(seconds=1))

    assert await committed(kafka) == {0: 10, 1: 10, 2: 0}
    async with group_member(kafka) as consumer:
        assert await read_and_commit(consumer, wait_seconds=2) == []


async def test_a_group_with_a_live_member_is_not_rewound(kafka) -> None:
    between = await two_waves(kafka)
    async with group_member(kafka) as consumer:
        assert len(await read_and_commit(consumer, wait_seconds=1)) == 20
        polling = asyncio.create_task(_keep_polling(consumer))
        try:
            # As on Apache Kafka: the broker lists the member, and that is enough.
            apache = kafka.model_copy(update={"profile": "apache"})
            started = time.monotonic()
            with pytest.raises(GroupHasLiveMembers, match="live member"):
                await rewind_group(apache, GROUP, [TOPIC], between)
            assert time.monotonic() - started < 5
            # The embedded broker also lists members that are gone: a stand-in member finds this one live.
            with pytest.raises(GroupHasLiveMembers, match="live member"):
                await rewind_group(kafka, GROUP, [TOPIC], between)
        finally:
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
    assert await committed(kafka) == {0: 10, 1: 10, 2: None}


async def test_lag_is_the_high_watermark_minus_the_committed_offset(kafka) -> None:
    await produce(kafka, {0: 10, 1: 6})
    async with group_member(kafka) as consumer:
        while not consumer.assignment():
            await asyncio.sleep(0.1)
        partition = TopicPartition(TOPIC, 0)
        await consumer.commit({partition: 4})  # the group has read part of partition 0, none of the others

    lags = await group_lag(kafka, GROUP, [TOPIC])

    assert [(lag.partition, lag.committed, lag.end, lag.lag) for lag in lags] == [
        (0, 4, 10, 6),
        (1, None, 6, 6),
        (2, None, 0, 0),
    ]
    assert {lag.topic for lag in lags} == {TOPIC}


async def test_a_topic_that_does_not_exist_is_named(kafka) -> None:
    with pytest.raises(UnknownTopic, match=r"tests\.no-such-topic"):
        await group_lag(kafka, GROUP, ["tests.no-such-topic"])


async def _keep_polling(consumer: AIOKafkaConsumer) -> None:
    while True:
        await consumer.getmany(timeout_ms=200)
