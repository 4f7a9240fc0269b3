"""Replays as use cases on the fakes: the dry run changes nothing but the audit; who may replay what to where;
the worker's step sends in archive order, at most the rate a batch, moves the cursor and finishes; pause, resume,
cancel; another organisation's replay does not exist for the caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from event_history_kit.builders import DECIDED, LIFECYCLE, T0, engineer, kept, la_engineer
from event_history_kit.in_process import InMemoryHistory
from pathfinder.auth import Principal
from pathfinder.event_history.domain.event_slice import EventSlice, SliceQuery
from pathfinder.event_history.domain.refusals import (
    AnotherLasEvents,
    GroupInUse,
    MissingReason,
    NotAllowed,
    ReplayNotFound,
)
from pathfinder.event_history.domain.replay import InvalidReplay, ReplayStatus, ReplayTarget, TargetKind
from pathfinder.event_history.domain.replay_request import TargetQuery
from pathfinder.event_history.service_layer.reading import Call
from pathfinder.event_history.service_layer.replays import (
    change_replay,
    list_replays,
    plan_replay,
    read_replay,
    start_replay,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WHY = "INC-2: 841's consumer missed a day"
SUBSCRIPTION = uuid4()
TO_TOPIC = ReplayTarget(TargetKind.TOPIC)
TO_SUBSCRIPTION = ReplayTarget(TargetKind.SUBSCRIPTION, subscription_id=SUBSCRIPTION)
INTAKE = ReplayTarget(TargetKind.CONSUMER_GROUP, group="ehcp.early-years-intake")


def call(who: Principal, reason: str | None = WHY) -> Call:
    return Call(who, reason, NOW)


async def history_of(count: int = 9) -> InMemoryHistory:
    """``count`` events, LA 841's and 805's in turn (841 first), a minute apart, on two partitions."""
    history = InMemoryHistory()
    await history.archive(*(kept(la="841" if n % 2 == 0 else "805", at=T0 + timedelta(minutes=n), offset=n,
                                 partition=n % 2, event_type=DECIDED) for n in range(count)))  # fmt: skip
    return history


async def test_a_dry_run_counts_the_slice_and_changes_nothing_but_the_audit() -> None:
    history = await history_of(9)
    before = dict(history.store.events)
    plan = await plan_replay(call(engineer()), EventSlice(la_code="841"), TO_TOPIC, uow=history.store.unit_of_work(),
                             groups=history.groups)  # fmt: skip
    assert (plan.events, plan.last_position, plan.by_la) == (5, 9, {"841": 5})
    assert [(one.topic, one.partition, one.events) for one in plan.partitions] == [(LIFECYCLE, 0, 5)]
    assert (plan.first_record_time, plan.last_record_time) == (T0, T0 + timedelta(minutes=8))
    assert history.store.events == before and history.store.replays == {} and history.sender.batches == []
    [entry] = history.store.audit
    assert (entry.action, entry.outcome, entry.reason) == ("replays.dry-run", "allowed", WHY)
    assert entry.slice == {"slice": {"la": "841"}, "target": "each event's own topic", "events": 5}


async def test_an_la_replays_its_own_events_to_a_subscription_only() -> None:
    history = await history_of(9)
    uow = history.store.unit_of_work
    plan = await plan_replay(call(la_engineer("841")), SliceQuery(), TO_SUBSCRIPTION, uow=uow(), groups=history.groups)
    assert plan.by_la == {"841": 5}, "narrowed to its LA though it asked for every LA"
    with pytest.raises(AnotherLasEvents):
        await start_replay(call(la_engineer("841")), EventSlice(la_code="805"), TO_SUBSCRIPTION, rate=10, uow=uow(),
                           groups=history.groups)  # fmt: skip
    for target in (TO_TOPIC, INTAKE):
        with pytest.raises(NotAllowed, match="to one of its subscriptions only"):
            await start_replay(call(la_engineer("841")), EventSlice(since=T0), target, rate=10, uow=uow(),
                               groups=history.groups)  # fmt: skip
    replay = await start_replay(call(la_engineer("841")), EventSlice(), TO_SUBSCRIPTION, rate=10, uow=uow(),
                                groups=history.groups)  # fmt: skip
    assert replay.chosen == EventSlice(la_code="841") and replay.total == 5 and replay.organisation == "841"
    outcomes = [(entry.action, entry.outcome) for entry in history.store.audit]
    assert outcomes == [("replays.dry-run", "allowed"), ("replays.start", "refused: another LA's events"),
                        ("replays.start", "refused: not allowed"), ("replays.start", "refused: not allowed"),
                        ("replays.start", "allowed")]  # fmt: skip
    assert list(history.store.replays) == [replay.replay_id]


async def test_a_refused_slice_or_target_text_is_audited_as_asked() -> None:
    history = await history_of(1)
    uow = history.store.unit_of_work
    with pytest.raises(InvalidReplay, match="replay it to a topic or a subscription instead"):
        await plan_replay(call(engineer()), SliceQuery(since=T0.isoformat(), la="841"),
                          TargetQuery("consumer-group", group="ehcp.early-years-intake"), uow=uow(),
                          groups=history.groups)  # fmt: skip
    with pytest.raises(InvalidReplay, match="kind is one of"):
        await start_replay(call(engineer()), SliceQuery(), TargetQuery("everywhere"), rate=5, uow=uow(),
                           groups=history.groups)  # fmt: skip
    with pytest.raises(InvalidReplay, match="a UUID"):
        await start_replay(call(engineer()), SliceQuery(la="841"), TargetQuery("subscription", subscription_id="x"),
                           rate=5, uow=uow(), groups=history.groups)  # fmt: skip
    audited = [(entry.action, entry.outcome, entry.slice) for entry in history.store.audit]
    assert audited == [
        ("replays.dry-run", "refused: invalid", {"slice": {"la": "841", "since": T0.isoformat()},
                                                 "target": {"kind": "consumer-group",
                                                            "group": "ehcp.early-years-intake"}}),
        ("replays.start", "refused: invalid", {"slice": {}, "target": {"kind": "everywhere"}, "rate": 5}),
        ("replays.start", "refused: invalid", {"slice": {"la": "841"},
                                               "target": {"kind": "subscription", "subscription_id": "x"}, "rate": 5}),
    ]  # fmt: skip
    assert history.store.replays == {}


async def test_a_consumer_group_is_rewound_at_once_unless_it_has_members() -> None:
    history = await history_of(3)
    history.groups.logs[(LIFECYCLE, 0)] = [T0, T0 + timedelta(minutes=2), T0 + timedelta(minutes=4)]
    history.groups.logs[(LIFECYCLE, 1)] = [T0 + timedelta(minutes=1)]
    since = EventSlice(since=T0 + timedelta(minutes=2), topic=LIFECYCLE)
    uow = history.store.unit_of_work
    plan = await plan_replay(call(engineer()), since, INTAKE, uow=uow(), groups=history.groups)
    # the records the group would read again, counted on the broker: offsets 1 and 2 of partition 0
    assert [(one.partition, one.events, one.offset) for one in plan.partitions] == [(0, 2, 1), (1, 0, 1)]
    assert plan.events == 2
    assert history.groups.committed == {}, "a dry run rewinds nothing"
    history.groups.members.add("ehcp.early-years-intake")
    with pytest.raises(GroupInUse, match="live members"):
        await start_replay(call(engineer()), since, INTAKE, rate=10, uow=uow(), groups=history.groups)
    assert history.store.replays == {} and history.store.audit[-1].outcome == "refused: group in use"
    history.groups.members.clear()
    replay = await start_replay(call(engineer()), since, INTAKE, rate=10, uow=uow(), groups=history.groups)
    assert replay.status is ReplayStatus.DONE and replay.offsets == ((LIFECYCLE, 0, 1), (LIFECYCLE, 1, 1))
    assert history.groups.committed == {
        ("ehcp.early-years-intake", LIFECYCLE, 0): 1, ("ehcp.early-years-intake", LIFECYCLE, 1): 1
    }  # fmt: skip
    assert await history.step() == 0 and history.sender.batches == [], "a rewound group's replay sends nothing"


async def test_the_worker_sends_in_archive_order_at_most_the_rate_a_batch_and_finishes() -> None:
    history = await history_of(9)
    replay = await start_replay(call(engineer()), EventSlice(la_code="841"), TO_TOPIC, rate=2,
                                uow=history.store.unit_of_work(), groups=history.groups)  # fmt: skip
    await history.archive(kept(la="841", at=T0 + timedelta(hours=1)))  # archived after the ask: not sent
    sizes = [await history.step(batch_size=100) for _ in range(4)]
    assert sizes == [2, 2, 1, 0]
    assert [one.position for one in history.sender.sent(replay.replay_id)] == [1, 3, 5, 7, 9]
    assert {target for _id, target, _events in history.sender.batches} == {TO_TOPIC}
    done = history.store.replays[replay.replay_id]
    assert (done.status, done.sent, done.cursor, done.total) == (ReplayStatus.DONE, 5, 9, 5)
    assert done.finished_at is not None


async def test_a_batch_the_broker_did_not_acknowledge_is_sent_again_from_the_same_cursor() -> None:
    history = await history_of(4)
    replay = await start_replay(call(engineer()), EventSlice(), TO_TOPIC, rate=3, uow=history.store.unit_of_work(),
                                groups=history.groups)  # fmt: skip
    history.sender.failing = RuntimeError("broker away")
    with pytest.raises(RuntimeError):
        await history.step()
    assert history.store.replays[replay.replay_id].cursor == 0 and history.store.held == set()
    history.sender.failing = None
    assert [await history.step() for _ in range(2)] == [3, 1]
    assert [one.position for one in history.sender.sent()] == [1, 2, 3, 4], "nothing skipped, nothing twice"


async def test_pause_resume_and_cancel_and_the_worker_sends_only_while_running() -> None:
    history = await history_of(4)
    uow = history.store.unit_of_work
    replay = await start_replay(call(engineer()), EventSlice(), TO_TOPIC, rate=1, uow=uow(), groups=history.groups)
    replay_id = str(replay.replay_id)
    assert await history.step() == 1
    paused = await change_replay(call(engineer()), replay_id, "pause", uow=uow())
    assert paused.status is ReplayStatus.PAUSED and await history.step() == 0
    resumed = await change_replay(call(engineer()), replay_id, "resume", uow=uow())
    assert resumed.status is ReplayStatus.RUNNING and resumed.cursor == 1 and await history.step() == 1
    cancelled = await change_replay(call(engineer()), replay_id, "cancel", uow=uow())
    assert cancelled.status is ReplayStatus.CANCELLED and await history.step() == 0
    with pytest.raises(InvalidReplay, match="nothing to resume"):
        await change_replay(call(engineer()), replay_id, "resume", uow=uow())
    assert [one.position for one in history.sender.sent()] == [1, 2]
    assert [entry.action for entry in history.store.audit][-4:] == [
        "replays.pause", "replays.resume", "replays.cancel", "replays.resume"
    ]  # fmt: skip


async def test_another_organisations_replay_is_not_found() -> None:
    history = await history_of(4)
    uow = history.store.unit_of_work
    ours = await start_replay(call(la_engineer("841")), EventSlice(), TO_SUBSCRIPTION, rate=5, uow=uow(),
                              groups=history.groups)  # fmt: skip
    theirs = await start_replay(call(la_engineer("805")), EventSlice(), TO_SUBSCRIPTION, rate=5, uow=uow(),
                                groups=history.groups)  # fmt: skip
    for asked in (str(theirs.replay_id), str(uuid4()), "not-a-replay"):
        with pytest.raises(ReplayNotFound):
            await read_replay(call(la_engineer("841")), asked, uow=uow())
    with pytest.raises(ReplayNotFound):
        await change_replay(call(la_engineer("841")), str(theirs.replay_id), "cancel", uow=uow())
    assert history.store.replays[theirs.replay_id].status is ReplayStatus.RUNNING
    assert (await read_replay(call(la_engineer("841")), str(ours.replay_id), uow=uow())).replay_id == ours.replay_id
    assert [one.replay_id for one in await list_replays(call(la_engineer("841")), uow=uow())] == [ours.replay_id]
    everyone = {one.replay_id for one in await list_replays(call(engineer()), uow=uow())}
    assert everyone == {ours.replay_id, theirs.replay_id}
    assert history.store.audit[2].outcome == "not found"


async def test_a_replay_call_without_a_reason_is_refused() -> None:
    history = await history_of(1)
    with pytest.raises(MissingReason):
        await start_replay(call(engineer(), reason=None), EventSlice(), TO_TOPIC, rate=5,
                           uow=history.store.unit_of_work(), groups=history.groups,
                           new_id=lambda: UUID(int=1))  # fmt: skip
    assert history.store.replays == {} and history.store.audit[-1].outcome == "refused: no reason"
