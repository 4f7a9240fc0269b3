"""Event history benchmark: the archive's ingest of ``--events`` platform events and their replay to a topic,
beside raw Kafka produce and consume rates and raw PostgreSQL inserts measured in the same run.

1. Raw limits. On the embedded broker and PostgreSQL: one aiokafka producer sending the run's events (CloudEvents
   records of 300-odd bytes with their ``ce_*`` headers, keyed by child, spread over the platform's topics of
   three partitions) as fast as it can, record by record (``send``) and then again written into whole batches
   (``send_batch``, as the replay sends) to topics of their own (records/s, acknowledged); one consumer reading
   the first lot back (records/s); and asyncpg inserting rows of the archive's shape into a plain table, 1,000
   to a statement (rows/s).
2. Ingest. The event-history service's own archive consumer (group ``event-history.archive``, the worker's code)
   reads every topic from the start and keeps each record in the archive, batch by batch, committing offsets after
   the rows; timed until the archive holds every event (events/s).
3. Replay. Once the archive has settled (``VACUUM ANALYZE``, as autovacuum would leave it, then a checkpoint, so
   that neither replay is measured against the upkeep of the ingest it follows), an engineer asks for a replay of
   the whole archive to a topic (through the use case, audited, at the highest rate a replay may ask), timed from
   the ask until the replay's row says it is done: each shard's batches read from the archive after its cursor,
   sent, acknowledged, and its cursor moved (events/s). First in one shard stepped by the benchmark's own process,
   as one worker process sent replays before lanes; then split into ``--shards`` by partition key and sent by
   ``--processes`` replay lanes, processes of their own started as the worker starts them (up, and warmed with a
   replay of a few events to another topic, before the ask). The lanes' target topic is then read to check every
   event arrived once, and the raw consume rate is measured again: the replay is compared with the higher of the
   two, so that other work on the machine while it ran does not flatter it.

The generated records are frozen out of the garbage collector's way (``gc.freeze``) before anything is measured,
so that neither the raw rates nor the replay pay for the benchmark holding them.

    .venv/bin/python benchmarks/event_replay.py [--events 1000000] [--batch 5000] [--processes 2] [--shards 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.catalogue import all_event_classes
from pathfinder.devstack.benchmarking import benchmark_servers, print_figures
from pathfinder.event_history.adapters.archive_feed import ARCHIVE_GROUP
from pathfinder.event_history.bootstrap import EventHistoryService, bootstrap
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import MAX_RATE, Replay, ReplayTarget, TargetKind
from pathfinder.event_history.service_layer.ingest import archive_next_batch
from pathfinder.event_history.service_layer.reading import Call
from pathfinder.event_history.service_layer.replays import send_next_batch, start_replay
from pathfinder.event_history.settings import EventHistorySettings
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database

REPLAYED_TOPIC = "bench.replayed"
ONE_PROCESS_TOPIC = "bench.replayed-in-one-process"
WARM_UP_TOPIC = "bench.warm-up"
LAS = tuple(f"{code:03d}" for code in range(800, 840))


def event_records(count: int, seed: int) -> list[tuple[str, bytes, list[tuple[str, bytes]], bytes]]:
    """(topic, key, headers, value) for ``count`` child events over the platform's topics, as the relay sends."""
    rng = random.Random(seed)
    families = [cls for cls in all_event_classes() if cls.key_field == "person_id"]
    children = [UUID(int=rng.getrandbits(128)) for _ in range(max(1, count // 20))]
    made = []
    for index in range(count):
        cls, child, la = rng.choice(families), rng.choice(children), rng.choice(LAS)
        data = {"person_id": str(child), "responsible_la": la, "notified_on": "2026-12-01", "n": index,
                "source_system": "RXP", "detail": "x" * 180}  # fmt: skip
        envelope = EventEnvelope(
            id=uuid4(), source="pathfinder/bench", type=cls.event_type, time=datetime.now(UTC),
            subject=str(child), la_code=la, correlation_id=f"bench-{index // 50}", data=b"",
        )  # fmt: skip
        made.append((cls.topic, str(child).encode(), envelope.to_headers(), json.dumps(data).encode()))
    return made


async def raw_produce(kafka: KafkaSettings, records: Sequence[tuple[str, bytes, list[tuple[str, bytes]], bytes]]
                      ) -> float:  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=False,
                                linger_ms=5, acks="all", max_batch_size=256 * 1024)  # fmt: skip
    await producer.start()
    try:
        started = time.perf_counter()
        futures = [await producer.send(topic, value, key=key, headers=headers)
                   for topic, key, headers, value in records]  # fmt: skip
        await asyncio.gather(*futures)
        return len(records) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_produce_batches(
    kafka: KafkaSettings, records: Sequence[tuple[str, bytes, list[tuple[str, bytes]], bytes]]
) -> float:
    """The same records written straight into the producer's batches, one open batch per partition, each sent
    when full, to topics of their own (``<topic>.batches``)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=False, acks="all",
                                max_batch_size=1024 * 1024)  # fmt: skip
    await producer.start()
    partitioner, partitions = DefaultPartitioner(), {}
    try:
        for topic in {topic for topic, *_ in records}:
            partitions[topic] = sorted(await producer.partitions_for(f"{topic}.batches"))
        started = time.perf_counter()
        filling: dict[tuple[str, int], Any] = {}
        acknowledgements = []
        for topic, key, headers, value in records:
            place = (f"{topic}.batches", partitioner(key, partitions[topic], partitions[topic]))
            batch = filling.setdefault(place, producer.create_batch())
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                batch.close()
                acknowledgements.append(await producer.send_batch(batch, place[0], partition=place[1]))
                batch = filling[place] = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None, headers=headers)
        for (topic, partition), batch in filling.items():
            batch.close()
            acknowledgements.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*acknowledgements)
        return len(records) / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def raw_consume(kafka: KafkaSettings, topics: Sequence[str], expected: int) -> float:
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=kafka.bootstrap_servers, auto_offset_reset="earliest",
                                group_id=None, max_partition_fetch_bytes=4 * 1024 * 1024)  # fmt: skip
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            seen += sum(len(records) for records in batch.values())
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


async def arrived(kafka: KafkaSettings, topic: str) -> tuple[int, int]:
    """(records, distinct event ids by ``ce_id``) on the topic, read from its start to the end offsets it had when
    asked. Read to those offsets, not until a fetch comes back empty: a pause of a few seconds in the broker's
    answers, seen on a loaded machine, cut a count short of what the topic held."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # the metadata that names the topic's partitions
        partitions = [TopicPartition(topic, partition) for partition in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        ids: set[bytes] = set()
        read, deadline = 0, time.monotonic() + 120
        while [partition for partition, end in ends.items() if await consumer.position(partition) < end]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: {read} records read in 120 s, short of the end offsets {ends}")
            for records in (await consumer.getmany(timeout_ms=1000, max_records=10_000)).values():
                read += len(records)
                ids.update(value for record in records for name, value in record.headers if name == "ce_id")
        return read, len(ids)
    finally:
        await consumer.stop()


async def raw_inserts(url: str, rows: int = 200_000) -> float:
    """Rows of the archive's shape (ids, times, codes, 300-byte headers and value) inserted by asyncpg alone,
    1,000 a statement, each statement its own transaction."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute(
            "CREATE TABLE bench_archive (position bigserial PRIMARY KEY, event_id uuid, topic text, "
            "record_time timestamptz, event_type text, la_code text, person_id uuid, headers jsonb, payload bytea)"
        )
        now, headers = datetime.now(UTC), json.dumps([["ce_type", "x" * 40]] * 8)
        batch = [(uuid4(), "pathfinder.bench", now, "pathfinder.bench.v1", "841", uuid4(), headers, b"v" * 300)
                 for _ in range(1000)]  # fmt: skip
        started = time.perf_counter()
        for _ in range(rows // 1000):
            await connection.executemany(
                "INSERT INTO bench_archive (event_id, topic, record_time, event_type, la_code, person_id, headers, "
                "payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                batch,
            )
        return rows / (time.perf_counter() - started)
    finally:
        await connection.close()


async def ingest(service: EventHistoryService, expected: int) -> tuple[float, float]:
    """The worker's own step until every record was read and kept: the seconds until the first batch came (the
    consumer group's join, about 3-5 s on the embedded broker), then events/s from then on, the first batch's
    keeping included."""
    feed = service.archive_feed()
    try:
        joining = time.perf_counter()
        first = await feed.next_batch()
        while not first.events:
            first = await feed.next_batch()
        joined = time.perf_counter()
        async with service.unit_of_work() as uow:  # archive_next_batch's keeping, for the batch already read
            await uow.archive.add(first.events)
            await uow.commit()
        await feed.commit(first)
        kept = len(first.events)
        while kept < expected:
            kept += await archive_next_batch(feed, service.unit_of_work())
        return joined - joining, kept / (time.perf_counter() - joined)
    finally:
        await feed.close()


def _engineer_call() -> Call:
    engineer = principal(OrganisationRole.PLATFORM, "PATHFINDER", Scope.EVENTS_ENGINEER, subject="bench-engineer")
    return Call(engineer, "benchmark: replay the whole archive", datetime.now(UTC))


async def _ask(service: EventHistoryService, wanted: EventSlice, topic: str, shards: int) -> Replay:
    return await start_replay(_engineer_call(), wanted, ReplayTarget(TargetKind.TOPIC, topic=topic), rate=MAX_RATE,
                              uow=service.unit_of_work(), groups=service.consumer_groups(), shards=shards)  # fmt: skip


async def _now(service: EventHistoryService, replay_id: UUID) -> Replay:
    async with service.unit_of_work() as uow:
        found = await uow.replays.get(replay_id, for_update=False)
    assert found is not None
    return found


async def _finished(service: EventHistoryService, replay_id: UUID) -> Replay:
    while not (found := await _now(service, replay_id)).finished:
        await asyncio.sleep(0.05)
    return found


async def _sessions(url: str) -> int:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return int(
            await connection.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        )
    finally:
        await connection.close()


async def replay_in_lanes(
    service: EventHistoryService, url: str, expected: int, processes: int, shards: int
) -> tuple[float, int]:
    """The replay sent by ``processes`` lanes, timed from the ask until its row says done. The lanes are up
    first, as a running worker's are: each has connected to the database, and a small replay has gone through."""
    before = await _sessions(url)
    stop = asyncio.Event()
    lanes = asyncio.create_task(service.replay_lanes(processes)(stop))
    try:
        while await _sessions(url) < before + processes:
            await asyncio.sleep(0.2)
        warm_up = await _ask(service, EventSlice(correlation_id="bench-0"), WARM_UP_TOPIC, shards)
        await _finished(service, warm_up.replay_id)
        asked = await _ask(service, EventSlice(), REPLAYED_TOPIC, shards)
        started = datetime.now(UTC)  # once asked (its dry run counted the slice), as a replay is timed in one process
        assert asked.total == expected, (asked.total, expected)
        done = await _finished(service, asked.replay_id)
        assert done.finished_at is not None
        return done.sent / (done.finished_at - started).total_seconds(), done.sent
    finally:
        stop.set()
        await lanes


async def replay_here(service: EventHistoryService, expected: int, batch: int) -> float:
    """The replay in one shard, stepped in this process batch after batch, as one worker process would."""
    asked = await _ask(service, EventSlice(), ONE_PROCESS_TOPIC, 1)
    assert asked.total == expected, (asked.total, expected)
    sender = service.replay_sender()
    try:
        started = time.perf_counter()
        while not (await _now(service, asked.replay_id)).finished:
            await send_next_batch(service.unit_of_work(), sender, batch_size=batch, now=lambda: datetime.now(UTC))
        done = await _now(service, asked.replay_id)
        assert done.sent == expected, (done.sent, expected)
        return done.sent / (time.perf_counter() - started)
    finally:
        await sender.close()


async def settled(url: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("VACUUM ANALYZE archived_event")
        await connection.execute("CHECKPOINT")  # what the vacuum wrote, written out before anything is timed
    finally:
        await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000, help="events a replay batch reads and sends")
    parser.add_argument("--processes", type=int, default=2, help="replay lanes, each a process of its own")
    parser.add_argument("--shards", type=int, default=None, help="shards a replay is split into (default: lanes)")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    shards = args.shards or args.processes
    load_before = os.getloadavg()[0]
    records = event_records(args.events, args.seed)
    # The run's records are held to its end: out of the garbage collector's way, as each service process freezes
    # what it made at start-up. Watched, a million of them made every full collection in this process walk them,
    # and the raw consume rate read 110,000-120,000 records/s instead of about 165,000.
    gc.freeze()
    topics = sorted({topic for topic, *_ in records})
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        async with benchmark_servers(Path(state)) as servers:
            kafka = KafkaSettings(bootstrap_servers=servers.broker.bootstrap_servers, profile="embedded",
                                  topic_partitions=3)  # fmt: skip
            produce_rate = await raw_produce(kafka, records)
            batch_produce_rate = await raw_produce_batches(kafka, records)
            consume_rate = await raw_consume(kafka, topics, len(records))
            raw_url = servers.postgres.url("bench_raw")
            insert_rate = await raw_inserts(raw_url)
            url = servers.postgres.url("bench_event_history")
            await ensure_database(url)
            await upgrade_to_head("pathfinder.event_history:migrations", url)
            settings = EventHistorySettings(database_url=url, replay_batch_size=args.batch, replay_idle_seconds=0.05)
            service = bootstrap(settings, kafka, consumer=ConsumerSettings(max_batch=5_000))
            try:
                join_seconds, ingest_rate = await ingest(service, len(records))
                await settled(url)
                one_process_rate = await replay_here(service, len(records), args.batch)
                replay_rate, sent = await replay_in_lanes(service, url, len(records), args.processes, shards)
                on_target, distinct = await arrived(kafka, REPLAYED_TOPIC)
                consume_again = await raw_consume(kafka, topics, len(records))
            finally:
                await service.engine.dispose()
    consume_best = max(consume_rate, consume_again)
    rows = [
        ("machine: cores / memory (GiB)", f"{os.cpu_count()} / {_memory_gib():.1f}"),
        ("machine: load average (1 min) before / after the run", f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"),
        ("machine: Python", platform.python_version()),
        ("events (platform topics of 3 partitions)", f"{len(records):,} over {len(topics)} topics"),
        ("raw Kafka: produce records/s (1 aiokafka producer, acks=all, record by record)", f"{produce_rate:,.0f}"),
        ("raw Kafka: produce records/s (the same, written into whole batches)", f"{batch_produce_rate:,.0f}"),
        ("raw Kafka: consume records/s (1 aiokafka consumer)", f"{consume_best:,.0f}"),
        ("raw Kafka: consume records/s, before / after the replays", f"{consume_rate:,.0f} / {consume_again:,.0f}"),
        ("raw PostgreSQL: archive-shaped rows inserted/s (asyncpg, 1,000 a statement)", f"{insert_rate:,.0f}"),
        ("raw PostgreSQL transactions/s (16 connections, 2 inserts)", f"{servers.raw_postgres_rate:,.0f}"),
        (f"archive ingest: s until the consumer group {ARCHIVE_GROUP} had joined", f"{join_seconds:,.1f}"),
        ("archive ingest events/s, from its first batch", f"{ingest_rate:,.0f}"),
        ("archive ingest / raw inserts", f"{ingest_rate / insert_rate:.0%}"),
        ("replay in one process, one shard: events/s / of raw consume",
         f"{one_process_rate:,.0f} / {one_process_rate / consume_best:.0%}"),
        ("replay: lanes (processes) / shards", f"{args.processes} / {shards}"),
        (f"replay events/s (batches of {args.batch:,}, acknowledged)", f"{replay_rate:,.0f}"),
        ("replay / raw consume (target: at least 50%)", f"{replay_rate / consume_best:.0%}"),
        ("replay / raw produce in whole batches", f"{replay_rate / batch_produce_rate:.0%}"),
        ("replayed events read back from the target topic", f"{distinct:,}"),
        ("records on the target topic / replay's count of events sent", f"{on_target:,} / {sent:,}"),
    ]  # fmt: skip
    print_figures(rows)


def _memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


if __name__ == "__main__":
    asyncio.run(main())
