"""The archive's ingest, its retention and its gap check as use cases, on fakes of the feed, the broker and the
outboxes: offsets move only after the batch committed; only the topics given days are pruned, a chunk at a time;
the gap check names what the archive lacks and leaves out what is too recent to judge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import uuid4

import pytest
from event_history_kit.builders import LIFECYCLE, T0, headers_of, kept
from event_history_kit.fakes import FakeHistoryStore
from pathfinder.event_history.domain.archived_event import ArchivedEvent
from pathfinder.event_history.domain.gaps import Located
from pathfinder.event_history.domain.retention import RetentionPolicy
from pathfinder.event_history.domain.topics import ArchiveTopics
from pathfinder.event_history.service_layer.gap_check import check_gaps
from pathfinder.event_history.service_layer.ingest import archive_next_batch
from pathfinder.event_history.service_layer.ports import FeedBatch, OutboxRecord
from pathfinder.event_history.service_layer.retention import prune_expired


@dataclass
class FakeFeed:
    batches: list[FeedBatch]
    committed: list[FeedBatch] = field(default_factory=list)

    async def next_batch(self) -> FeedBatch:
        return self.batches.pop(0) if self.batches else FeedBatch()

    async def commit(self, batch: FeedBatch) -> None:
        self.committed.append(batch)

    async def close(self) -> None:
        return None


def batch(*events: ArchivedEvent) -> FeedBatch:
    return FeedBatch(events, {(event.topic, event.partition): event.offset + 1 for event in events})


async def test_a_batch_is_kept_once_and_its_offsets_move_only_after_it_committed() -> None:
    store = FakeHistoryStore()
    first, second = kept(offset=0), kept(offset=1)
    feed = FakeFeed([batch(first, second), batch(first, second)])  # the second read is a redelivery
    assert await archive_next_batch(feed, store.unit_of_work()) == 2
    assert await archive_next_batch(feed, store.unit_of_work()) == 2
    assert len(store.events) == 2 and len(feed.committed) == 2
    assert await archive_next_batch(feed, store.unit_of_work()) == 0


async def test_a_failing_commit_leaves_the_offsets_where_they_were() -> None:
    store = FakeHistoryStore()
    feed = FakeFeed([batch(kept())])

    async def refuse() -> None:
        raise RuntimeError("the database went away")

    uow = store.unit_of_work()
    uow._commit = refuse  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await archive_next_batch(feed, uow)
    assert feed.committed == [] and store.events == {}


async def test_only_the_topics_given_days_are_pruned_a_chunk_at_a_time() -> None:
    store = FakeHistoryStore()
    old = [kept(topic=LIFECYCLE, at=T0 - timedelta(days=40, minutes=n)) for n in range(5)]
    young = kept(topic=LIFECYCLE, at=T0 - timedelta(days=10))
    other = kept(topic="pathfinder.identity.persons", at=T0 - timedelta(days=400))
    async with store.unit_of_work() as uow:
        await uow.archive.add([*old, young, other])
        await uow.commit()
    policy = RetentionPolicy({LIFECYCLE: 30})
    assert await prune_expired(policy, now=T0, chunk=3, unit_of_work=store.unit_of_work) == 3
    assert await prune_expired(policy, now=T0, chunk=3, unit_of_work=store.unit_of_work) == 2
    assert await prune_expired(policy, now=T0, chunk=3, unit_of_work=store.unit_of_work) == 0
    assert {event.event_id for event in store.events.values()} == {young.event_id, other.event_id}


@dataclass
class FakeBroker:
    topics_held: dict[str, list[Located]]

    async def topics(self) -> list[str]:
        return list(self.topics_held)

    async def records(self, topic: str) -> AsyncIterator[list[Located]]:
        yield self.topics_held[topic]


@dataclass
class FakeOutboxes:
    rows: dict[str, list[OutboxRecord]]

    def services(self) -> list[str]:
        return sorted(self.rows)

    async def published(self, service: str, *, before: object) -> AsyncIterator[list[OutboxRecord]]:
        yield self.rows[service]


async def test_the_gap_check_names_what_the_archive_lacks() -> None:
    store = FakeHistoryStore()
    kept_one, lost, recent = kept(), uuid4(), uuid4()
    async with store.unit_of_work() as uow:
        await uow.archive.add([kept_one])
        await uow.commit()
    broker = FakeBroker({
        LIFECYCLE: [Located(kept_one.event_id, LIFECYCLE, 0, 0, T0), Located(lost, LIFECYCLE, 0, 1, T0),
                    Located(recent, LIFECYCLE, 0, 2, T0 + timedelta(minutes=5))],
        "pathfinder.la.841.events": [Located(uuid4(), "pathfinder.la.841.events", 0, 0, T0)],
    })  # fmt: skip
    outboxes = FakeOutboxes({"ehcp": [
        OutboxRecord(LIFECYCLE, tuple(headers_of(event_id=kept_one.event_id)), T0),
        OutboxRecord(LIFECYCLE, tuple(headers_of(event_id=lost)), T0),
        OutboxRecord(LIFECYCLE, (("content-type", b"application/json"),), T0),
        OutboxRecord("pathfinder.la.841.events", tuple(headers_of()), T0),
    ]})  # fmt: skip
    report = await check_gaps(
        archived=ArchiveTopics.of([LIFECYCLE]), scanner=broker, outboxes=outboxes, unit_of_work=store.unit_of_work,
        settled_before=T0 + timedelta(minutes=1),
    )  # fmt: skip
    [topic] = report.topics
    assert (topic.source, topic.checked, [one.event_id for one in topic.missing]) == (LIFECYCLE, 2, [lost])
    [outbox] = report.outboxes
    assert (outbox.source, outbox.checked, outbox.unidentified) == ("ehcp", 2, 1)
    assert [one.event_id for one in outbox.missing] == [lost]
    assert report.missing == 2
