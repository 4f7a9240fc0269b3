"""Replays as the platform's consumers see them, on the real broker and PostgreSQL: a slice replayed to its own
topic is a no-op for a consumer that applied it (its inbox) and applied once each by a new consumer group; a
consumer group rewound to a time reads from there, a filtered slice cannot be rewound and a live group is not."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

import pytest
from aiokafka import AIOKafkaConsumer
from event_history_kit.builders import engineer, received
from event_history_kit.replaying import CountingConsumer, call_as, high_watermarks, ids_of
from event_history_kit.service import archive_service, archived_rows, producer_on, running, wait_until
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import GroupInUse
from pathfinder.event_history.domain.replay import InvalidReplay, ReplayStatus, ReplayTarget, TargetKind
from pathfinder.event_history.entrypoints.workers import archive_ingest
from pathfinder.event_history.service_layer.replays import start_replay
from pathfinder.messaging.group_offsets import group_lag
from pathfinder.messaging.settings import KafkaSettings

Databases = Callable[[str], Awaitable[str]]
TOPIC = EarlyYearsNotificationReceived.topic


def kafka_of(broker: EmbeddedBroker) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=broker.bootstrap_servers, profile="embedded", topic_partitions=3)


async def _caught_up(kafka: KafkaSettings, group: str, records: int) -> bool:
    lags = await group_lag(kafka, group, [TOPIC])
    return sum(one.end for one in lags) >= records and all(one.lag == 0 for one in lags)


async def test_a_slice_replayed_to_its_own_topic_is_a_no_op_where_applied_and_applied_once_by_a_new_group(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    kafka = kafka_of(fresh_broker)
    service = await archive_service(await fresh_database("eh_replay_own_topic"), kafka, replay_idle_seconds=0.2)
    async with producer_on(await fresh_database("eh_replay_own_topic_producer"), kafka) as producer:
        applied_first = CountingConsumer(producer, "first")
        newcomer = CountingConsumer(producer, "newcomer")
        for one in (applied_first, newcomer):
            await one.install()
        ids = await producer.publish([received(la="841") for _ in range(8)] + [received(la="805") for _ in range(4)])
        ingest = archive_ingest(service.archive_feed(), service.unit_of_work)
        async with running(producer.relay().run, applied_first.consumer().run, ingest):
            await wait_until(lambda: _applied_all(applied_first, ids), what="the first group to apply every event")
            await wait_until(lambda: _archived(service, len(ids)), what="the archive to keep every event")
        assert await applied_first.applied() == dict.fromkeys(ids, 1)
        try:
            replay = await start_replay(
                call_as(engineer()), EventSlice(la_code="841"), ReplayTarget(TargetKind.TOPIC), rate=1000,
                uow=service.unit_of_work(), groups=service.consumer_groups(),
            )  # fmt: skip
            assert replay.total == 8
            async with running(service.replay_worker(), applied_first.consumer().run, newcomer.consumer().run):
                await wait_until(lambda: _replayed(service, replay.replay_id), what="the replay to finish")
                assert await high_watermarks(kafka, TOPIC) == len(ids) + 8, "the slice is on its topic again"
                for group in (applied_first.group, newcomer.group):
                    await wait_until(partial(_caught_up, kafka, group, len(ids) + 8), what=f"{group} reading")
            assert await applied_first.applied() == dict.fromkeys(ids, 1), "its inbox absorbed the replay"
            assert await newcomer.applied() == dict.fromkeys(ids, 1), "a new group applies each event once"
            assert len(await archived_rows(service)) == len(ids), "the archive keeps each event once"
        finally:
            await service.api_sender.close()
            await service.engine.dispose()


async def test_a_consumer_group_is_rewound_to_a_time_and_refused_when_filtered_or_live(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    kafka = kafka_of(fresh_broker)
    service = await archive_service(await fresh_database("eh_replay_rewind"), kafka)
    async with producer_on(await fresh_database("eh_replay_rewind_producer"), kafka) as producer:
        reader = CountingConsumer(producer, "rewound")
        await reader.install()
        async with running(producer.relay().run, reader.consumer().run):
            before = await producer.publish([received() for _ in range(4)])
            await wait_until(lambda: _applied_all(reader, before), what="the first events applied")
            await asyncio.sleep(1.0)
            since = datetime.now(UTC)
            await asyncio.sleep(1.0)
            after = await producer.publish([received() for _ in range(3)])
            await wait_until(lambda: _applied_all(reader, after), what="the later events applied")
        target = ReplayTarget(TargetKind.CONSUMER_GROUP, group=reader.group)
        try:
            with pytest.raises(InvalidReplay, match="replay it to a topic"):
                await start_replay(
                    call_as(engineer()), EventSlice(since=since, topic=TOPIC, la_code="841"), target, rate=10,
                    uow=service.unit_of_work(), groups=service.consumer_groups(),
                )  # fmt: skip
            replay = await start_replay(
                call_as(engineer()), EventSlice(since=since, topic=TOPIC), target, rate=10,
                uow=service.unit_of_work(), groups=service.consumer_groups(),
            )  # fmt: skip
            assert replay.status is ReplayStatus.DONE and len(replay.offsets) == 3
            read = await _read_as_group(kafka, reader.group, len(after))
            assert sorted(ids_of(read)) == sorted(after), "the group's next consumer reads from the time on"

            live = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap_servers, group_id=reader.group,
                                    enable_auto_commit=False, session_timeout_ms=6000)  # fmt: skip
            await live.start()
            try:
                await wait_until(lambda: _assigned(live), what="a live member of the group")
                with pytest.raises(GroupInUse, match="stop the group's consumers"):
                    await start_replay(
                        call_as(engineer()), EventSlice(since=since, topic=TOPIC), target, rate=10,
                        uow=service.unit_of_work(), groups=service.consumer_groups(),
                    )  # fmt: skip
            finally:
                await live.stop()
        finally:
            await service.engine.dispose()


async def _read_as_group(kafka: KafkaSettings, group: str, expected: int) -> list[object]:
    consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=kafka.bootstrap_servers, group_id=group,
                                enable_auto_commit=False, auto_offset_reset="earliest")  # fmt: skip
    await consumer.start()
    records: list[object] = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                records.extend(batch)
        for batch in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def _assigned(consumer: AIOKafkaConsumer) -> bool:
    return bool(consumer.assignment())


async def _applied_all(consumer: CountingConsumer, ids: list[UUID]) -> bool:
    return set(ids) <= set(await consumer.applied())


async def _archived(service: EventHistoryService, count: int) -> bool:
    return len(await archived_rows(service)) >= count


async def _replayed(service: EventHistoryService, replay_id: UUID) -> bool:
    async with service.unit_of_work() as uow:
        replay = await uow.replays.get(replay_id, for_update=False)
    return replay is not None and replay.status is ReplayStatus.DONE
