"""Replays split into shards, on the real broker and PostgreSQL: PostgreSQL reads a shard's records as the domain
splits keys; lanes side by side send a sharded replay that, interrupted, resumes without gaps or repeats in any
shard, each child's events in order; a batch sent and never committed is sent again, and nothing else is; the
rate holds across shards; the worker's lanes run as processes of their own; and a replay asked before shards keeps
its progress as its one shard."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from alembic import command
from event_history_kit.builders import T0, engineer, kept
from event_history_kit.replaying import archive_directly, call_as, ids_of, make_topics, read_topic, replay_now
from event_history_kit.service import archive_service, running, wait_until
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.domain.archived_event import ArchivedEvent, ArchivedRecord
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay, ReplayStatus, ReplayTarget, TargetKind
from pathfinder.event_history.domain.replay_shard import Shard, ShardProgress, shard_of
from pathfinder.event_history.entrypoints import workers
from pathfinder.event_history.service_layer.ports import ReplaySender
from pathfinder.event_history.service_layer.replays import start_replay
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config
from sqlalchemy import text
from sqlalchemy.engine import Connection

Databases = Callable[[str], Awaitable[str]]
NAMED = "tests.sharded"


def _children() -> list[UUID]:
    """Eight children, four in each shard of two, and some in each shard of three."""

    def of(child: UUID, count: int) -> int:
        return shard_of(str(child).encode(), "t", 0, count)

    for start in range(1, 10_000, 8):
        found: list[UUID] = []
        for child in (UUID(int=number) for number in range(start, start + 100)):
            if len(found) < 8 and sum(of(one, 2) == of(child, 2) for one in found) < 4:
                found.append(child)
        if len({of(one, 3) for one in found}) == 3:
            return found
    raise AssertionError("no such eight children")


CHILDREN = _children()


def kafka_of(broker: EmbeddedBroker) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=broker.bootstrap_servers, profile="embedded", topic_partitions=3)


def events(count: int) -> list[ArchivedEvent]:
    return [kept(person=CHILDREN[n % len(CHILDREN)], at=T0 + timedelta(seconds=n), offset=n, partition=n % 3)
            for n in range(count)]  # fmt: skip


def shard(one: ArchivedEvent | ArchivedRecord, count: int) -> int:
    return shard_of(one.key, one.topic, one.partition, count)


async def ask(service: EventHistoryService, *, rate: int, shards: int) -> Replay:
    return await start_replay(
        call_as(engineer()), EventSlice(), ReplayTarget(TargetKind.TOPIC, topic=NAMED), rate=rate,
        uow=service.unit_of_work(), groups=service.consumer_groups(), shards=shards,
    )  # fmt: skip


def in_key_order(records: Sequence[Any], kept_events: Sequence[ArchivedEvent]) -> bool:
    """Whether each child's events arrived in archive order (a child's all land on one partition)."""
    order = {one.event_id: one.position for one in kept_events}
    by_key: dict[bytes, list[int]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(order[ids_of([record])[0]] or 0)
    return all(positions == sorted(positions) for positions in by_key.values())


async def finished(service: EventHistoryService, replay_id: UUID) -> bool:
    return (await replay_now(service, replay_id, engineer())).status is ReplayStatus.DONE


async def test_postgresql_reads_a_shard_as_the_domain_splits_keys(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await archive_service(await fresh_database("eh_shard_sql"), kafka_of(fresh_broker))
    keyless = [replace(one, key=None) for one in events(9)]
    try:
        kept_events = await archive_directly(service, [*events(31), *keyless])
        end = kept_events[-1].position or 0
        for count in (2, 3):
            for index in range(count):
                found: list[ArchivedRecord] = []
                after = 0
                while after < end:
                    async with service.unit_of_work() as uow:
                        batch = await uow.archive.batch(EventSlice(), after=after, up_to=end, limit=4,
                                                        shard=Shard(index, count))  # fmt: skip
                    assert batch.through > after and len(batch) <= 4
                    found.extend(batch)
                    after = batch.through
                expected = [one.position for one in kept_events if shard(one, count) == index]
                assert [one.position for one in found] == expected and expected, (count, index)
    finally:
        await service.engine.dispose()


async def test_an_interrupted_sharded_replay_resumes_without_gaps_or_repeats_in_any_shard(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await archive_service(await fresh_database("eh_shard_resume"), kafka_of(fresh_broker),
                                    replay_idle_seconds=0.1)  # fmt: skip
    try:
        kept_events = await archive_directly(service, events(60))
        await make_topics(service.kafka, NAMED, partitions=3)
        replay = await ask(service, rate=40, shards=2)
        lanes = [service.replay_worker(batch_size=3), service.replay_worker(batch_size=3)]
        async with running(*lanes):
            await wait_until(lambda: _sent_at_least(service, replay.replay_id, 12), what="some batches")
        stopped = await replay_now(service, replay.replay_id, engineer())
        records = await read_topic(service.kafka, NAMED, stopped.sent, timeout=5)
        assert 12 <= stopped.sent == len(records) < 60, "stopped between batches: what was sent is what it counts"
        assert stopped.sent == sum(one.sent for one in stopped.shards), "its progress is its shards' summed"
        assert stopped.cursor == min(one.cursor for one in stopped.shards)
        sent = set(ids_of(records))
        for progress in stopped.shards:
            mine = [one for one in kept_events if shard(one, 2) == progress.index]
            assert progress.sent > 0, "both lanes sent"
            assert {one.event_id for one in mine if one.event_id in sent} == {
                one.event_id for one in mine if (one.position or 0) <= progress.cursor
            }, "each shard sent exactly its events up to its cursor"

        async with running(*lanes):
            await wait_until(lambda: finished(service, replay.replay_id), what="the replay to finish")
        records = await read_topic(service.kafka, NAMED, 60)
        assert sorted(ids_of(records)) == sorted(one.event_id for one in kept_events), "every event once"
        assert in_key_order(records, kept_events)
    finally:
        await service.engine.dispose()


class SendsThenFails:
    """A lane that dies after its ``fail_on``-th batch reached the broker, before its cursor moved."""

    def __init__(self, sender: ReplaySender, fail_on: int) -> None:
        self._sender = sender
        self._calls = 0
        self._fail_on = fail_on
        self.lost: list[ArchivedRecord] = []

    async def send(self, records: Sequence[ArchivedRecord], target: ReplayTarget, replay_id: UUID) -> None:
        await self._sender.send(records, target, replay_id)
        self._calls += 1
        if self._calls == self._fail_on:
            self.lost = list(records)
            raise RuntimeError("the lane died before its cursor moved")

    async def redrive(self, dead_letters: Sequence[ArchivedEvent]) -> None:
        await self._sender.redrive(dead_letters)


async def test_a_batch_sent_and_never_committed_is_sent_again_and_nothing_else(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await archive_service(await fresh_database("eh_shard_crash"), kafka_of(fresh_broker),
                                    replay_idle_seconds=0.1)  # fmt: skip
    sender = service.replay_sender()
    failing = SendsThenFails(sender, fail_on=3)
    try:
        kept_events = await archive_directly(service, events(40))
        await make_topics(service.kafka, NAMED, partitions=3)
        replay = await ask(service, rate=10_000, shards=2)
        lanes = [workers.replay_sending(failing, service.unit_of_work, batch_size=4, idle_seconds=0.1),
                 service.replay_worker(batch_size=4)]  # fmt: skip
        async with running(*lanes):
            await wait_until(lambda: finished(service, replay.replay_id), what="the replay to finish")
        records = await read_topic(service.kafka, NAMED, 40 + len(failing.lost))
        arrived = Counter(ids_of(records))
        assert set(arrived) == {one.event_id for one in kept_events}, "nothing lost"
        repeated = {event_id for event_id, times in arrived.items() if times > 1}
        assert failing.lost and repeated == set(ids_of(failing.lost)), "only the batch never committed, again"
        assert max(arrived.values()) == 2 and len({shard(one, 2) for one in failing.lost}) == 1
        assert (await replay_now(service, replay.replay_id, engineer())).sent == 40, "counted once"
    finally:
        await sender.close()
        await service.engine.dispose()


async def test_the_rate_holds_across_shards(fresh_broker: EmbeddedBroker, fresh_database: Databases) -> None:
    service = await archive_service(await fresh_database("eh_shard_rate"), kafka_of(fresh_broker),
                                    replay_idle_seconds=0.05)  # fmt: skip
    try:
        await archive_directly(service, events(80))
        await make_topics(service.kafka, NAMED, partitions=3)
        replay = await ask(service, rate=20, shards=2)  # 10 a second each
        started = time.monotonic()
        async with running(service.replay_worker(batch_size=100), service.replay_worker(batch_size=100)):
            await wait_until(lambda: finished(service, replay.replay_id), what="the replay to finish")
        seconds = time.monotonic() - started
        records = await read_topic(service.kafka, NAMED, 80)
        assert len(records) == 80
        # Both shards' first batches go at once (20 events); the other 60 need at least 3 s at 20 a second.
        assert seconds >= 2.8, seconds
        stamps = sorted(record.timestamp for record in records)
        assert (stamps[-1] - stamps[0]) / 1000 >= 2.8
    finally:
        await service.engine.dispose()


async def test_the_workers_replay_lanes_are_processes_that_send_a_sharded_replay(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await archive_service(await fresh_database("eh_shard_lanes"), kafka_of(fresh_broker),
                                    replay_idle_seconds=0.1, replay_batch_size=7)  # fmt: skip
    try:
        kept_events = await archive_directly(service, events(120))
        await make_topics(service.kafka, NAMED, partitions=3)
        replay = await ask(service, rate=10_000, shards=3)
        async with running(service.replay_lanes(2)):
            await wait_until(lambda: finished(service, replay.replay_id), timeout=90, what="the replay to finish")
        records = await read_topic(service.kafka, NAMED, 120)
        assert sorted(ids_of(records)) == sorted(one.event_id for one in kept_events), "every event once"
        assert in_key_order(records, kept_events)
        done = await replay_now(service, replay.replay_id, engineer())
        assert [one.done for one in done.shards] == [True, True, True] and done.sent == 120
    finally:
        await service.engine.dispose()


def lane_pids() -> set[int]:
    return {one.pid for one in multiprocessing.active_children() if one.name == "event-history-replays" and one.pid}


@pytest.mark.crash
async def test_a_lane_killed_mid_replay_is_started_again_and_nothing_is_lost(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    service = await archive_service(await fresh_database("eh_shard_kill"), kafka_of(fresh_broker),
                                    replay_idle_seconds=0.1, replay_batch_size=20)  # fmt: skip
    try:
        kept_events = await archive_directly(service, events(400))
        await make_topics(service.kafka, NAMED, partitions=3)
        replay = await ask(service, rate=200, shards=2)  # batches of 20 a shard, 10 a second each
        async with running(service.replay_lanes(2)):
            await wait_until(lambda: _sent_at_least(service, replay.replay_id, 60), timeout=90, what="some batches")
            first = lane_pids()
            victim = sorted(first)[0]
            os.kill(victim, signal.SIGKILL)

            async def started_again() -> bool:
                return len(lane_pids() - first) == 1 and victim not in lane_pids()

            await wait_until(started_again, what="another lane")
            await wait_until(lambda: finished(service, replay.replay_id), timeout=90, what="the replay to finish")
        records = await read_topic(service.kafka, NAMED, 400)
        arrived = Counter(ids_of(records))
        assert set(arrived) == {one.event_id for one in kept_events}, "nothing lost"
        repeated = [one for one in kept_events if arrived[one.event_id] > 1]
        assert len(repeated) <= 20 and max(arrived.values()) <= 2, "at most the batch it was sending, again"
        assert len({shard(one, 2) for one in repeated}) <= 1
        assert lane_pids() == set(), "the lanes stop with the worker"
    finally:
        await service.engine.dispose()


def _migrate(connection: Connection, revision: str, *, down: bool = False) -> None:
    config = alembic_config("pathfinder.event_history:migrations")
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_a_replay_asked_before_shards_keeps_its_progress_as_its_one_shard(fresh_database: Databases) -> None:
    url = await fresh_database("eh_shard_migration")
    engine = create_engine(url, pool_size=1)
    replay_id = uuid4()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0002")
            await connection.execute(
                text("INSERT INTO replay (replay_id, slice, target_kind, rate, requested_by, organisation, reason, "
                     "total, last_position, cursor, sent, status, started_at, updated_at, events_per_second, offsets) "
                     "VALUES (:id, '{}', 'topic', 5, 'e', 'pathfinder', 'r', 9, 90, 40, 4, 'running', :at, :at, 2.5, "
                     "'[]')"),
                {"id": replay_id, "at": T0},
            )  # fmt: skip
        service = await archive_service(url)  # upgraded to head
        async with service.unit_of_work() as uow:
            claimed = await uow.replays.claim_shard()
        assert claimed is not None and claimed[1] == 0
        assert claimed[0].shards == (ShardProgress(0, cursor=40, sent=4, updated_at=T0, events_per_second=2.5),)
        await service.engine.dispose()
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0002", down=True)
            back = await connection.execute(text("SELECT cursor, sent FROM replay WHERE replay_id = :id"),
                                            {"id": replay_id})  # fmt: skip
            assert back.one() == (40, 4)
    finally:
        await engine.dispose()


async def _sent_at_least(service: EventHistoryService, replay_id: UUID, count: int) -> bool:
    return (await replay_now(service, replay_id, engineer())).sent >= count
