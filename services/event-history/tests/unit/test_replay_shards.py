"""A replay split into shards by partition key, on the fakes: which shard a record falls to; the shards' shares
of the rate and their progress summed up; every event sent once whichever lane sends which batch, each child's in
archive order; an interrupted or failed batch sent again from its shard's cursor only; done when the last shard
is, whoever paused it meanwhile."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from event_history_kit.builders import DECIDED, T0, engineer, kept, la_engineer
from event_history_kit.in_process import InMemoryHistory
from pathfinder.event_history.domain.archived_event import ArchivedEvent, ArchivedRecord
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import InvalidReplay, Replay, ReplayStatus, ReplayTarget, TargetKind
from pathfinder.event_history.domain.replay_shard import MAX_SHARDS, WHOLE, Shard, ShardProgress, shard_of
from pathfinder.event_history.service_layer.reading import Call
from pathfinder.event_history.service_layer.replays import change_replay, send_next_batch, start_replay

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
TO_TOPIC = ReplayTarget(TargetKind.TOPIC, topic="replayed")


def _children() -> list[UUID]:
    """Six children, three in each shard of two, and some in each shard of three."""

    def shard(child: UUID, count: int) -> int:
        return shard_of(str(child).encode(), "t", 0, count)

    for start in range(1, 10_000, 6):
        found: list[UUID] = []
        for child in (UUID(int=number) for number in range(start, start + 100)):
            if len(found) < 6 and sum(shard(one, 2) == shard(child, 2) for one in found) < 3:
                found.append(child)
        if len({shard(one, 3) for one in found}) == 3:
            return found
    raise AssertionError("no such six children")


CHILDREN = _children()


def call() -> Call:
    return Call(engineer(), "INC-3: an LA's consumer missed a day", NOW)


async def history_of(count: int, *, la: str | None = None) -> InMemoryHistory:
    """``count`` events of six children in turn, a minute apart, LA 841's and 805's in turn."""
    history = InMemoryHistory()
    await history.archive(*(kept(la=la or ("841" if n % 2 == 0 else "805"), person=CHILDREN[n % len(CHILDREN)],
                                 at=T0 + timedelta(minutes=n), offset=n, partition=n % 3, event_type=DECIDED)
                            for n in range(count)))  # fmt: skip
    return history


async def asked(history: InMemoryHistory, *, shards: int, rate: int = 1000, wanted: EventSlice | None = None) -> Replay:
    return await start_replay(call(), wanted or EventSlice(), TO_TOPIC, rate=rate, uow=history.store.unit_of_work(),
                              groups=history.groups, shards=shards)  # fmt: skip


def key_order(sent: list[ArchivedRecord]) -> dict[bytes | None, list[int]]:
    found: dict[bytes | None, list[int]] = {}
    for one in sent:
        found.setdefault(one.key, []).append(one.position)
    return found


def test_a_records_shard_is_its_keys_and_spreads_keys_over_every_shard() -> None:
    keys = [str(uuid4()).encode() for _ in range(400)]
    assert all(shard_of(key, "t", 0, 1) == 0 for key in keys)
    spread = Counter(shard_of(key, "t", 0, 4) for key in keys)
    assert set(spread) == {0, 1, 2, 3} and min(spread.values()) > 60, spread
    assert {shard_of(keys[0], topic, partition, 4) for topic in "ab" for partition in range(3)} == {
        shard_of(keys[0], "x", 9, 4)
    }, "a key's shard is the same on every topic and partition"
    assert shard_of(None, "t", 1, 4) == shard_of(b"t:1", "other", 0, 4), "no key: its topic and partition"
    assert Shard(2, 4).holds(keys[0], "t", 0) is (shard_of(keys[0], "t", 0, 4) == 2)
    for index, count in ((4, 4), (-1, 2), (0, 0), (0, MAX_SHARDS + 1)):
        with pytest.raises(ValueError, match=f"shard {index} of {count}"):
            Shard(index, count)


def test_the_shards_share_the_rate_and_their_progress_adds_up() -> None:
    replay = Replay.ask(uuid4(), EventSlice(), TO_TOPIC, rate=10, requested_by="e", organisation="pathfinder",
                        reason="r", total=9, last_position=90, now=NOW, shards=3)  # fmt: skip
    assert [replay.rate_of(index) for index in range(3)] == [4, 3, 3]
    assert (
        len(
            Replay.ask(
                uuid4(),
                EventSlice(),
                TO_TOPIC,
                rate=2,
                requested_by="e",
                organisation="pathfinder",
                reason="r",
                total=9,
                last_position=90,
                now=NOW,
                shards=3,
            ).shards
        )
        == 2
    ), "not below 1/s"
    with pytest.raises(InvalidReplay, match="1 to 64 shards"):
        Replay.ask(uuid4(), EventSlice(), TO_TOPIC, rate=10, requested_by="e", organisation="pathfinder",
                   reason="r", total=9, last_position=90, now=NOW, shards=0)  # fmt: skip
    one = replay.advanced(40, 4, now=NOW + timedelta(seconds=2), shard=1)
    two = one.advanced(30, 2, now=NOW + timedelta(seconds=1), shard=2)
    assert (two.sent, two.cursor, two.events_per_second, two.status) == (6, 0, 4.0, ReplayStatus.RUNNING)
    assert two.last_change == NOW + timedelta(seconds=2)
    three = two.advanced(90, 3, now=NOW + timedelta(seconds=3), shard=0)
    assert (three.sent, three.cursor, three.status) == (9, 30, ReplayStatus.RUNNING), "shard 0 done, not the rest"
    assert three.shards[0] == ShardProgress(0, cursor=90, sent=3, done=True, updated_at=NOW + timedelta(seconds=3),
                                            events_per_second=1.0)  # fmt: skip
    done = three.advanced(90, 0, now=NOW + timedelta(seconds=4), shard=1).advanced(90, 0, now=NOW, shard=2)
    assert (done.status, done.cursor, done.sent, done.events_per_second) == (ReplayStatus.DONE, 90, 9, 0.0)


def test_a_paused_replay_whose_last_shard_finished_is_done_when_resumed() -> None:
    replay = Replay.ask(uuid4(), EventSlice(), TO_TOPIC, rate=10, requested_by="e", organisation="pathfinder",
                        reason="r", total=2, last_position=9, now=NOW, shards=2)  # fmt: skip
    sent = replay.advanced(9, 1, now=NOW, shard=0)
    last = sent.advanced(9, 1, now=NOW, shard=1).shards[1]  # a lane finishing what it claimed before the pause
    paused = sent.paused(now=NOW).with_shard(last, now=NOW)
    assert paused.status is ReplayStatus.PAUSED and all(one.done for one in paused.shards)
    assert paused.resumed(now=NOW).status is ReplayStatus.DONE


async def test_every_event_is_sent_once_by_its_shard_each_childs_in_archive_order() -> None:
    history = await history_of(40)
    replay = await asked(history, shards=3)
    steps = [await history.step(batch_size=4) for _ in range(40)]
    assert sum(steps) == 40 and history.store.replays[replay.replay_id].status is ReplayStatus.DONE
    sent = history.sender.sent(replay.replay_id)
    assert sorted(one.position for one in sent) == list(range(1, 41)), "every event once"
    for positions in key_order(sent).values():
        assert positions == sorted(positions), "each child's events in archive order"
    for _replay_id, _target, batch in history.sender.batches:
        assert len({shard_of(one.key, one.topic, one.partition, 3) for one in batch}) == 1, "a batch is one shard's"
    done = history.store.replays[replay.replay_id]
    assert (done.sent, done.cursor, [one.done for one in done.shards]) == (40, 40, [True, True, True])


async def test_lanes_side_by_side_hold_a_shard_each_and_the_rate_holds_across_shards() -> None:
    history = await history_of(30)
    replay = await asked(history, shards=2, rate=6)  # 3 a second for each shard
    sending, release = asyncio.Semaphore(0), asyncio.Event()

    class Held:
        """A sender that keeps every batch in flight until told."""

        async def send(self, records: Sequence[ArchivedRecord], target: ReplayTarget, replay_id: UUID) -> None:
            sending.release()
            await release.wait()
            await history.sender.send(records, target, replay_id)

        async def redrive(self, dead_letters: Sequence[ArchivedEvent]) -> None:
            raise AssertionError("no redrive here")

    def lane() -> asyncio.Task[tuple[int, float]]:
        return asyncio.create_task(send_next_batch(history.store.unit_of_work(), Held(), batch_size=100,
                                                   now=lambda: NOW))  # fmt: skip

    lanes = [lane(), lane()]
    for _ in lanes:
        await sending.acquire()
    third = await send_next_batch(history.store.unit_of_work(), Held(), batch_size=100, now=lambda: NOW)
    assert third == (0, 0.0), "both shards are held: a third lane finds none"
    release.set()
    results = await asyncio.gather(*lanes)
    assert [count for count, _wait in results] == [3, 3], "each shard's batch is its share of the rate"
    assert all(wait > 0.9 for _count, wait in results), "and its lane waits a second before the next"
    shards = {shard_of(one.key, one.topic, one.partition, 2) for one in history.sender.sent(replay.replay_id)}
    assert shards == {0, 1}


async def test_an_interrupted_sharded_replay_resumes_without_gaps_or_repeats() -> None:
    history = await history_of(30)
    replay = await asked(history, shards=2)
    steps = [await history.step(batch_size=4) for _ in range(3)]
    assert all(0 < count <= 4 for count in steps)
    paused = await change_replay(call(), str(replay.replay_id), "pause", uow=history.store.unit_of_work())
    assert (paused.sent, await history.step(batch_size=4)) == (sum(steps), 0), "paused: no lane sends"
    assert {one.updated_at is not None for one in paused.shards} == {True}, "both shards sent"
    stopped = history.sender.sent(replay.replay_id)
    for index, progress in enumerate(paused.shards):
        mine = [one.position for one in stopped if shard_of(one.key, one.topic, one.partition, 2) == index]
        assert mine == sorted(mine) and all(position <= progress.cursor for position in mine)
        assert progress.sent == len(mine), "each shard's progress is what it sent"
    await change_replay(call(), str(replay.replay_id), "resume", uow=history.store.unit_of_work())
    while await history.step(batch_size=4):
        pass
    assert history.store.replays[replay.replay_id].status is ReplayStatus.DONE
    assert sorted(one.position for one in history.sender.sent(replay.replay_id)) == list(range(1, 31))


async def test_a_batch_the_broker_did_not_acknowledge_is_sent_again_from_its_shards_cursor_only() -> None:
    history = await history_of(24)
    replay = await asked(history, shards=2)
    assert await history.step(batch_size=5) == 5
    history.sender.failing = RuntimeError("broker away")
    with pytest.raises(RuntimeError):
        await history.step(batch_size=5)  # the other shard's first batch, never acknowledged
    assert history.store.held == set(), "its shard is let go"
    history.sender.failing = None
    while await history.step(batch_size=5):
        pass
    sent = [one.position for one in history.sender.sent(replay.replay_id)]
    assert sorted(sent) == list(range(1, 25)), "nothing skipped, nothing twice"
    assert history.store.replays[replay.replay_id].status is ReplayStatus.DONE


async def test_a_sharded_la_replay_sends_only_that_las_events() -> None:
    history = await history_of(20)
    subscription = ReplayTarget(TargetKind.SUBSCRIPTION, subscription_id=uuid4())
    replay = await start_replay(Call(la_engineer("841"), "INC-4", NOW), EventSlice(), subscription, rate=100,
                                uow=history.store.unit_of_work(), groups=history.groups, shards=2)  # fmt: skip
    assert len(replay.shards) == 2 and replay.total == 10
    while await history.step(batch_size=3):
        pass
    sent = history.sender.sent(replay.replay_id)
    assert len(sent) == 10
    by_position = {event.position: event for event in history.store.events.values()}
    assert {by_position[one.position].la_code for one in sent} == {"841"}


async def test_a_shards_read_is_bounded_by_the_slices_next_records_for_every_shard() -> None:
    history = await history_of(30)
    async with history.store.unit_of_work() as uow:
        whole = await uow.archive.batch(EventSlice(), after=0, up_to=30, limit=4, shard=WHOLE)
        first = await uow.archive.batch(EventSlice(), after=0, up_to=30, limit=4, shard=Shard(1, 3))
    assert ([one.position for one in whole], whole.through) == ([1, 2, 3, 4], 4)
    assert first and first.through <= 12 and all(one.position <= first.through for one in first)
    assert all(shard_of(one.key, one.topic, one.partition, 3) == 1 for one in first)
