"""A replay in the domain: what each target can express, the rate's bounds, how it advances to done, and which
status changes are allowed; a target read from the API's text; a dry run's partitions for a consumer group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from event_history_kit.builders import DECIDED, T0
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import InvalidQuery
from pathfinder.event_history.domain.replay import (
    MAX_RATE,
    InvalidReplay,
    Replay,
    ReplayStatus,
    ReplayTarget,
    TargetKind,
)
from pathfinder.event_history.domain.replay_plan import PartitionCount, ReplayPlan
from pathfinder.event_history.domain.replay_request import TargetQuery, checked_group

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SUBSCRIPTION = uuid4()
TO_TOPIC = ReplayTarget(TargetKind.TOPIC)
EVERYTHING = EventSlice()


def asked(target: ReplayTarget = TO_TOPIC, chosen: EventSlice = EVERYTHING, *, rate: int = 10,
          total: int = 5, last_position: int = 50) -> Replay:  # fmt: skip
    return Replay.ask(
        uuid4(), chosen, target, rate=rate, requested_by="client-1", organisation="pathfinder", reason="INC-1",
        total=total, last_position=last_position, now=NOW,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"kind": TargetKind.TOPIC, "group": "g"}, "A topic target takes no group"),
        ({"kind": TargetKind.CONSUMER_GROUP}, "names the group"),
        ({"kind": TargetKind.CONSUMER_GROUP, "group": "g", "topic": "t"}, "takes no topic"),
        ({"kind": TargetKind.SUBSCRIPTION}, "names the subscription"),
        ({"kind": TargetKind.SUBSCRIPTION, "subscription_id": SUBSCRIPTION, "group": "g"}, "takes no group"),
    ],
)
def test_a_target_names_what_its_kind_needs_and_nothing_else(fields: dict[str, object], why: str) -> None:
    with pytest.raises(InvalidReplay, match=why):
        ReplayTarget(**fields)  # type: ignore[arg-type]


def test_a_consumer_group_is_rewound_to_a_time_only() -> None:
    group = ReplayTarget(TargetKind.CONSUMER_GROUP, group="ehcp.early-years-intake")
    group.check(EventSlice(since=T0, topic="pathfinder.ehcp.lifecycle"))
    with pytest.raises(InvalidReplay, match="needs --since"):
        group.check(EventSlice(until=T0))
    for filtered in (EventSlice(since=T0, event_types=(DECIDED,)), EventSlice(since=T0, la_code="841"),
                     EventSlice(since=T0, person_id=uuid4()), EventSlice(since=T0, correlation_id="c")):  # fmt: skip
        with pytest.raises(InvalidReplay, match="replay it to a topic or a subscription instead"):
            group.check(filtered)


def test_a_subscription_takes_one_las_events() -> None:
    target = ReplayTarget(TargetKind.SUBSCRIPTION, subscription_id=SUBSCRIPTION)
    target.check(EventSlice(la_code="841"))
    with pytest.raises(InvalidReplay, match="give --la"):
        target.check(EventSlice())
    assert target.describe() == f"subscription {SUBSCRIPTION}"
    assert TO_TOPIC.describe() == "each event's own topic"
    assert ReplayTarget(TargetKind.TOPIC, topic="replayed").describe() == "topic replayed"


@pytest.mark.parametrize("rate", [0, -1, MAX_RATE + 1])
def test_the_rate_is_bounded(rate: int) -> None:
    with pytest.raises(InvalidReplay, match="between 1 and 200,000"):
        asked(rate=rate)
    assert asked(rate=1).rate == 1 and asked(rate=MAX_RATE).rate == MAX_RATE


def test_a_replay_advances_batch_by_batch_to_done_at_the_end_it_was_asked_up_to() -> None:
    replay = asked(total=5, last_position=50)
    assert (replay.status, replay.cursor, replay.sent) == (ReplayStatus.RUNNING, 0, 0)
    once = replay.advanced(20, 3, now=NOW + timedelta(seconds=2))
    assert (once.status, once.cursor, once.sent, once.events_per_second) == (ReplayStatus.RUNNING, 20, 3, 1.5)
    assert once.finished_at is None
    done = once.advanced(50, 2, now=NOW + timedelta(seconds=3))
    assert (done.status, done.cursor, done.sent, done.finished_at) == (
        ReplayStatus.DONE,
        50,
        5,
        NOW + timedelta(seconds=3),
    )
    with pytest.raises(InvalidReplay, match="The replay is done"):
        done.advanced(60, 1, now=NOW)


def test_a_replay_with_nothing_left_is_done() -> None:
    empty = asked(total=0, last_position=50).advanced(50, 0, now=NOW)
    assert empty.status is ReplayStatus.DONE and empty.sent == 0


def test_pause_resume_and_cancel() -> None:
    replay = asked()
    paused = replay.paused(now=NOW)
    assert paused.status is ReplayStatus.PAUSED and not paused.finished
    with pytest.raises(InvalidReplay, match="is paused"):
        paused.advanced(10, 1, now=NOW)
    resumed = paused.resumed(now=NOW)
    assert resumed.status is ReplayStatus.RUNNING
    cancelled = resumed.cancelled(now=NOW)
    assert cancelled.status is ReplayStatus.CANCELLED and cancelled.finished and cancelled.finished_at == NOW
    for change in (cancelled.paused, cancelled.resumed):
        with pytest.raises(InvalidReplay, match="is cancelled"):
            change(now=NOW)
    done = replay.advanced(50, 5, now=NOW)
    with pytest.raises(InvalidReplay, match="nothing to cancel"):
        done.cancelled(now=NOW)


def test_a_rewound_group_is_done_at_once_with_its_offsets() -> None:
    group = ReplayTarget(TargetKind.CONSUMER_GROUP, group="g")
    rewound = asked(group, EventSlice(since=T0), total=7).rewound((("t", 0, 3), ("t", 1, 9)), now=NOW)
    assert (rewound.status, rewound.sent, rewound.cursor) == (ReplayStatus.DONE, 7, 50)
    assert rewound.offsets == (("t", 0, 3), ("t", 1, 9))


def test_a_target_is_read_from_text_every_value_checked() -> None:
    assert TargetQuery("topic").read() == TO_TOPIC
    assert TargetQuery("topic", topic="").read() == TO_TOPIC, "an empty topic is each event's own"
    assert TargetQuery("consumer-group", group="ehcp.early-years-intake").read().group == "ehcp.early-years-intake"
    assert TargetQuery("subscription", subscription_id=str(SUBSCRIPTION)).read().subscription_id == SUBSCRIPTION
    refused = [
        (TargetQuery("kafka"), "kind is one of topic, consumer-group, subscription"),
        (TargetQuery("topic", topic="no spaces"), "Kafka topic name"),
        (TargetQuery("subscription", subscription_id="841"), "a UUID"),
        (TargetQuery("consumer-group", group="a b"), "consumer group's name"),
        (TargetQuery("consumer-group"), "names the group"),
    ]
    for query, why in refused:
        with pytest.raises(InvalidQuery, match=why):
            query.read()
    assert TargetQuery("topic", topic="x" * 300).as_json() == {"kind": "topic", "topic": "x" * 249}
    assert checked_group(None) is None and checked_group("") is None


def test_a_consumer_groups_dry_run_shows_every_partition_it_would_set() -> None:
    plan = ReplayPlan(TO_TOPIC, 4, 9, T0, T0, partitions=(PartitionCount("t", 1, 4),))
    rewind = plan.with_offsets([PartitionCount("t", 1, 3, 12), PartitionCount("t", 0, 5, 30)])
    # the broker's counts (what the group reads again), not the archive's: a group may read a topic not archived
    assert rewind.partitions == (PartitionCount("t", 0, 5, 30), PartitionCount("t", 1, 3, 12))
    assert rewind.events == 8
