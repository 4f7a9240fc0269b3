"""Replays from the archive on the real broker and PostgreSQL: a filtered slice to a named topic arrives whole,
in order, each record naming the replay; a dry run changes nothing; an interrupted replay resumes without gaps
or repeats; a replay to a subscription carries the subscription and only the caller's LA's events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from aiokafka.partitioner import DefaultPartitioner
from event_history_kit.builders import DECIDED, LIFECYCLE, REQUESTED, T0, engineer, kept, la_engineer
from event_history_kit.replaying import (
    archive_directly,
    call_as,
    high_watermarks,
    ids_of,
    make_topics,
    read_topic,
    replay_now,
)
from event_history_kit.service import archive_service, running, wait_until
from pathfinder.contracts.wire import (
    REPLAY_ID_HEADER,
    REPLAY_LA_DELIVERY_TOPIC,
    REPLAY_SUBSCRIPTION_HEADER,
)
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import ReplayStatus, ReplayTarget, TargetKind
from pathfinder.event_history.service_layer.replays import change_replay, plan_replay, start_replay
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.settings import KafkaSettings

Databases = Callable[[str], Awaitable[str]]
NAMED = "tests.replayed"


def kafka_of(broker: EmbeddedBroker) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=broker.bootstrap_servers, profile="embedded", topic_partitions=3)


async def _service(broker: EmbeddedBroker, databases: Databases, name: str) -> EventHistoryService:
    return await archive_service(await databases(name), kafka_of(broker), replay_idle_seconds=0.2)


async def test_a_filtered_slice_replayed_to_a_named_topic_arrives_whole_in_order_naming_the_replay(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await _service(fresh_broker, fresh_database, "eh_replay_named")
    person = uuid4()
    events = [
        kept(la=la, person=person if n % 4 < 2 else None, event_type=REQUESTED if n % 3 else DECIDED,
             at=T0 + timedelta(minutes=n), offset=n, partition=n % 3)
        for n, la in enumerate(["841", "805"] * 15)
    ]  # fmt: skip
    try:
        kept_events = await archive_directly(service, events)
        wanted = EventSlice(event_types=(REQUESTED,), la_code="841", person_id=person)
        expected = [one for one in kept_events if wanted.matches(one.summary())]
        assert 0 < len(expected) < len(kept_events)
        await make_topics(service.kafka, NAMED, partitions=3)
        target = ReplayTarget(TargetKind.TOPIC, topic=NAMED)
        replay = await start_replay(
            call_as(engineer()), wanted, target, rate=1000, uow=service.unit_of_work(),
            groups=service.consumer_groups(),
        )  # fmt: skip
        assert (replay.total, replay.status) == (len(expected), ReplayStatus.RUNNING)
        async with running(service.replay_worker()):
            await wait_until(lambda: _done(service, replay.replay_id), what="the replay to finish")
        records = await read_topic(service.kafka, NAMED, len(expected))
        assert ids_of(records) == [one.event_id for one in expected], "exactly the slice, in archive order"
        for record, original in zip(records, expected, strict=True):
            assert header_value(record.headers, REPLAY_ID_HEADER) == str(replay.replay_id)
            assert [h for h in record.headers if h[0] != REPLAY_ID_HEADER] == list(original.headers)
            assert (record.key, record.value) == (original.key, original.payload)
            # on the partition the producer's own partitioner gives the key (so each child's events stay in order)
            assert record.partition == DefaultPartitioner()(original.key, [0, 1, 2], [0, 1, 2])
        finished = await replay_now(service, replay.replay_id, engineer())
        assert finished.sent == len(expected)
        assert finished.cursor == finished.last_position == kept_events[-1].position, "done: up to the archive's end"
    finally:
        await service.api_sender.close()
        await service.engine.dispose()


async def test_a_dry_run_counts_the_slice_and_changes_nothing_but_the_audit(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await _service(fresh_broker, fresh_database, "eh_replay_dry_run")
    events = [kept(la=la, at=T0 + timedelta(minutes=n), offset=n, partition=n % 2, event_type=REQUESTED)
              for n, la in enumerate(["841", "805", "841"] * 4)]  # fmt: skip
    try:
        await archive_directly(service, events)
        await make_topics(service.kafka, NAMED, LIFECYCLE)
        before = await high_watermarks(service.kafka, NAMED, LIFECYCLE)
        for target in (ReplayTarget(TargetKind.TOPIC, topic=NAMED), ReplayTarget(TargetKind.TOPIC)):
            plan = await plan_replay(
                call_as(engineer()), EventSlice(la_code="841"), target, uow=service.unit_of_work(),
                groups=service.consumer_groups(),
            )  # fmt: skip
            assert (plan.events, plan.by_la, plan.by_type) == (8, {"841": 8}, {REQUESTED: 8})
            assert {(one.topic, one.partition): one.events for one in plan.partitions} == {
                (LIFECYCLE, 0): 4,
                (LIFECYCLE, 1): 4,
            }
            assert plan.first_record_time == T0 and plan.last_record_time == T0 + timedelta(minutes=11)
        async with running(service.replay_worker()):
            await asyncio.sleep(0.5)
            async with service.unit_of_work() as uow:
                assert await uow.replays.recent(organisation=None, limit=10) == []
                audit = await uow.audit.entries(since=None, limit=10)
        assert [entry.action for entry in audit] == ["replays.dry-run", "replays.dry-run"]
        assert await high_watermarks(service.kafka, NAMED, LIFECYCLE) == before == 0
    finally:
        await service.api_sender.close()
        await service.engine.dispose()


async def test_an_interrupted_replay_resumes_without_gaps_or_repeats(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await _service(fresh_broker, fresh_database, "eh_replay_resume")
    events = [kept(at=T0 + timedelta(seconds=n), offset=n) for n in range(40)]
    try:
        kept_events = await archive_directly(service, events)
        await make_topics(service.kafka, NAMED)
        replay = await start_replay(
            call_as(engineer()), EventSlice(), ReplayTarget(TargetKind.TOPIC, topic=NAMED), rate=20,
            uow=service.unit_of_work(), groups=service.consumer_groups(),
        )  # fmt: skip
        async with running(service.replay_worker(batch_size=3)):
            await wait_until(lambda: _sent_at_least(service, replay.replay_id, 9), what="some batches sent")
        stopped = await replay_now(service, replay.replay_id, engineer())
        sent = await read_topic(service.kafka, NAMED, stopped.sent, timeout=5)
        assert 9 <= stopped.sent == len(sent) < 40, "stopped between batches: what was sent is what it counts"
        assert ids_of(sent) == [one.event_id for one in kept_events[: stopped.sent]]
        assert stopped.cursor == kept_events[stopped.sent - 1].position

        paused = await change_replay(call_as(engineer()), str(replay.replay_id), "pause", uow=service.unit_of_work())
        assert paused.status is ReplayStatus.PAUSED
        async with running(service.replay_worker(batch_size=3)):
            await asyncio.sleep(1.0)
        assert (await replay_now(service, replay.replay_id, engineer())).sent == stopped.sent, "paused: sends none"

        await change_replay(call_as(engineer()), str(replay.replay_id), "resume", uow=service.unit_of_work())
        async with running(service.replay_worker(batch_size=3)):
            await wait_until(lambda: _done(service, replay.replay_id), what="the replay to finish")
        records = await read_topic(service.kafka, NAMED, 40)
        assert ids_of(records) == [one.event_id for one in kept_events], "every event once, in order"
    finally:
        await service.api_sender.close()
        await service.engine.dispose()


async def test_a_replay_to_a_subscription_names_it_and_holds_only_the_callers_la(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await _service(fresh_broker, fresh_database, "eh_replay_subscription")
    events = [kept(la=la, at=T0 + timedelta(minutes=n), offset=n) for n, la in enumerate(["841", "805", "878"] * 5)]
    subscription = uuid4()
    try:
        kept_events = await archive_directly(service, events)
        await make_topics(service.kafka, REPLAY_LA_DELIVERY_TOPIC)
        target = ReplayTarget(TargetKind.SUBSCRIPTION, subscription_id=subscription)
        with pytest.raises(Exception, match="own events to one of its subscriptions"):
            await start_replay(
                call_as(la_engineer("841")), EventSlice(), ReplayTarget(TargetKind.TOPIC, topic=NAMED), rate=100,
                uow=service.unit_of_work(), groups=service.consumer_groups(),
            )  # fmt: skip
        replay = await start_replay(
            call_as(la_engineer("841")), EventSlice(), target, rate=100, uow=service.unit_of_work(),
            groups=service.consumer_groups(),
        )  # fmt: skip
        assert replay.chosen.la_code == "841", "an LA's slice is narrowed to its LA"
        async with running(service.replay_worker()):
            await wait_until(lambda: _done(service, replay.replay_id), what="the replay")
        records = await read_topic(service.kafka, REPLAY_LA_DELIVERY_TOPIC, 5)
        assert ids_of(records) == [one.event_id for one in kept_events if one.la_code == "841"]
        for record in records:
            assert header_value(record.headers, REPLAY_ID_HEADER) == str(replay.replay_id)
            assert header_value(record.headers, REPLAY_SUBSCRIPTION_HEADER) == str(subscription)
            assert header_value(record.headers, "ce_lacode") == "841"
    finally:
        await service.api_sender.close()
        await service.engine.dispose()


async def _done(service: EventHistoryService, replay_id: UUID) -> bool:
    async with service.unit_of_work() as uow:
        replay = await uow.replays.get(replay_id, for_update=False)
    return replay is not None and replay.status is ReplayStatus.DONE


async def _sent_at_least(service: EventHistoryService, replay_id: UUID, count: int) -> bool:
    async with service.unit_of_work() as uow:
        replay = await uow.replays.get(replay_id, for_update=False)
    return replay is not None and replay.sent >= count
