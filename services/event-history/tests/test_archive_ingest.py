"""The archive fed by the real broker: events a service publishes through its outbox and relay are archived, each
once, though the archive's consumer stops between keeping a batch and committing its offsets, and though a new
consumer group reads every topic again; what a consumer group dead-letters is kept beside its original under the
same id, an unreadable record and its dead letter included."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from uuid import uuid4

from event_history_kit.builders import received, rejected
from event_history_kit.service import (
    PRODUCER_DEAD_LETTERS,
    Producer,
    archive_service,
    archived_rows,
    producer_on,
    quick_consumers,
    running,
    wait_until,
)
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.event_history.adapters.archive_feed import KafkaArchiveFeed
from pathfinder.event_history.bootstrap import EventHistoryService
from pathfinder.event_history.domain.archived_event import UNREADABLE
from pathfinder.event_history.entrypoints.workers import archive_ingest
from pathfinder.event_history.service_layer.ports import FeedBatch
from pathfinder.messaging.broker import new_producer
from pathfinder.messaging.settings import KafkaSettings

Databases = Callable[[str], Awaitable[str]]
TOPIC = EarlyYearsNotificationReceived.topic


def kafka_of(broker: EmbeddedBroker) -> KafkaSettings:
    return KafkaSettings(bootstrap_servers=broker.bootstrap_servers, profile="embedded", topic_partitions=3)


async def test_published_events_are_archived_once_though_read_again(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    kafka = kafka_of(fresh_broker)
    service = await archive_service(await fresh_database("eh_ingest"), kafka, consumer=quick_consumers(max_batch=7))
    person = uuid4()
    async with producer_on(await fresh_database("eh_ingest_producer"), kafka) as producer:
        ids = await producer.publish([received(person, "841") for _ in range(12)], correlation_id="corr-841")
        ids += await producer.publish([received(la="805") for _ in range(12)] + [rejected()])
        async with running(producer.relay().run):
            await wait_until(lambda: _none_left(producer), what="the relay to publish every row")
    try:
        # A first consumer keeps one batch, then stops before committing its offsets (a crash in between).
        crashed = service.archive_feed()
        try:
            batch = await crashed.next_batch()
            while not batch.events:
                batch = await crashed.next_batch()
            async with service.unit_of_work() as uow:
                assert await uow.archive.add(batch.events) == len(batch.events) <= 7
                await uow.commit()
        finally:
            await crashed.close()
        # The group's next consumer reads that batch again (nothing was committed); then a new group reads every
        # topic again from its start.
        for group in ("event-history.archive", "event-history.archive-again"):
            feed = Counted(service.archive_feed(group=group))
            async with running(archive_ingest(feed, service.unit_of_work)):
                await wait_until(partial(feed.at_least, len(ids)), what=f"{group} to read every record")
            assert len(await archived_rows(service)) == len(ids)
        rows = await archived_rows(service)
        assert sorted(row.event_id for row in rows) == sorted(ids), "each event once"
        mine = [row for row in rows if row.person_id == person]
        assert len(mine) == 12 and {(row.la_code, row.correlation_id, row.topic) for row in mine} == {
            ("841", "corr-841", TOPIC)
        }
        [refusal] = [row for row in rows if row.event_type == rejected().event_type]
        assert refusal.person_id is None and refusal.la_code is None, "a rejected notification names no child"
        assert all(row.problem is None and json.loads(row.payload) for row in rows)
        assert all(dict(row.headers)["pathfinder_epoch"] for row in rows), "headers as the relay wrote them"
    finally:
        await service.engine.dispose()


async def test_dead_letters_are_kept_beside_their_originals(
    fresh_broker: EmbeddedBroker, fresh_database: Databases
) -> None:
    kafka = kafka_of(fresh_broker)
    service = await archive_service(await fresh_database("eh_dead_letters"), kafka)
    refused_event = received(la="878")
    async with producer_on(await fresh_database("eh_dead_letters_producer"), kafka) as producer:
        producer.refused.add(refused_event.notification_id)
        ids = await producer.publish([received(), refused_event, received()])
        unreadable = new_producer(kafka, client_id="tests-unreadable")
        await unreadable.start()
        try:  # no CloudEvents headers at all: no platform consumer can read it
            await unreadable.send_and_wait(TOPIC, value=b'{"not": "an event"}', key=b"k", headers=[("x", b"1")])
        finally:
            await unreadable.stop()
        feed = service.archive_feed()
        async with running(producer.relay().run, producer.consumer().run, archive_ingest(feed, service.unit_of_work)):
            await wait_until(lambda: _archived(service, 6), what="4 records and 2 dead letters", timeout=90)
    try:
        rows = await archived_rows(service)
        letters = [row for row in rows if row.topic == PRODUCER_DEAD_LETTERS]
        originals = [row for row in rows if row.topic == TOPIC]
        assert len(rows) == 6 and len(originals) == 4 and len(letters) == 2
        assert sorted(row.event_id for row in originals if row.event_type != UNREADABLE) == sorted(ids)
        refused_id = ids[1]
        [refused_letter] = [row for row in letters if row.event_id == refused_id]
        [refused_original] = [row for row in originals if row.event_id == refused_id]
        assert (refused_letter.la_code, refused_letter.person_id) == ("878", refused_event.person_id)
        assert refused_letter.payload == refused_original.payload
        assert dict(refused_letter.headers)["pathfinder_dlt_reason"] == "handler-failed"
        [unreadable_original] = [row for row in originals if row.event_type == UNREADABLE]
        [unreadable_letter] = [row for row in letters if row.event_id == unreadable_original.event_id]
        assert "ce_specversion" in (unreadable_original.problem or "")
        assert unreadable_original.payload == unreadable_letter.payload == b'{"not": "an event"}'
        assert dict(unreadable_letter.headers)["pathfinder_dlt_reason"] == "malformed"
    finally:
        await service.engine.dispose()


@dataclass
class Counted:
    """The archive's feed, counting the records it handed over."""

    feed: KafkaArchiveFeed
    seen: int = 0

    async def next_batch(self) -> FeedBatch:
        batch = await self.feed.next_batch()
        self.seen += len(batch.events)
        return batch

    async def commit(self, batch: FeedBatch) -> None:
        await self.feed.commit(batch)

    async def close(self) -> None:
        await self.feed.close()

    async def at_least(self, count: int) -> bool:
        return self.seen >= count


async def _none_left(producer: Producer) -> bool:
    return await producer.unpublished() == 0


async def _archived(service: EventHistoryService, count: int) -> bool:
    return len(await archived_rows(service)) >= count
