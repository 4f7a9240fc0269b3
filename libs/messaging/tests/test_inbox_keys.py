# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""A subscription on a topic of its own whose inbox knows a delivery by a key of its own (here: a round header
and the event id), and whose handler refuses some events, on the real broker and PostgreSQL: the same key is
applied once and a new key again; a refusal is dead-lettered at once with its reason; a refused event redriven
after the fix is found by its key and applied once."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID, uuid5

from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.messaging.broker import TopicAdmin, topic_specs
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.delivery import DeadLetterReason, Delivery
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.group_offsets import group_lag
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.redrive import redrive_record
from pathfinder.messaging.schema import consumer_failure, inbox
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Refused, Subscription
from sqlalchemy import select

TOPIC = "tests.rounds"
GROUP = "tests.keyed"
DEAD_LETTERS = f"{GROUP}.dead-letter"
REDRIVES = f"{GROUP}.redrive"
ROUND_HEADER = "tests-round"
_KEYS = UUID("9a6f3c1e-2b4d-5e8f-a1c3-7d9e0f2b4a61")


def round_key(delivery: Delivery) -> UUID:
    return uuid5(_KEYS, f"{header_value(delivery.headers, ROUND_HEADER)}/{delivery.event_id}")


@dataclass
class Refusals:
    ids: set[UUID] = field(default_factory=set)
    calls: Counter[UUID] = field(default_factory=Counter)


def keyed_consumer(rig, refusals: Refusals) -> EventConsumer[SqlUnitOfWork]:
    async def apply(event: EarlyYearsNotificationReceived, uow: SqlUnitOfWork, context: EventContext) -> None:
        refusals.calls[event.notification_id] += 1
        await rig.apply(uow, context.delivery.event_id, event.person_id)
        if event.notification_id in refusals.ids:
            round_name = header_value(context.delivery.headers, ROUND_HEADER)
            raise Refused(DeadLetterReason.REPLAY_REFUSED, f"round {round_name}")

    subscription = Subscription[SqlUnitOfWork]("keyed", topics=[TOPIC], inbox_key=round_key)
    return EventConsumer(
        service="tests",
        subscription=subscription.on(EarlyYearsNotificationReceived, apply),
        uow_factory=rig.unit_of_work,
        engine=rig.engine,
        kafka=rig.kafka,
        settings=rig.consumer_settings,
    )


async def make_topics(rig) -> None:
    admin = TopicAdmin(rig.kafka, client_id="tests-keyed")
    try:
        await admin.ensure(topic_specs(rig.kafka, [TOPIC, DEAD_LETTERS, REDRIVES]))
    finally:
        await admin.close()


def in_round(event: EarlyYearsNotificationReceived, round_name: str, *, event_id: UUID | None = None):
    message = message_for_event(event, source="/tests", event_id=event_id)
    return message.key.encode(), [*message.headers, (ROUND_HEADER, round_name.encode())], message.payload


async def read_all(rig, topic: str, records: int) -> bool:
    lags = await group_lag(rig.kafka, GROUP, [topic])
    return sum(lag.end for lag in lags) == records and all(lag.lag == 0 for lag in lags)


async def inbox_rows(rig) -> dict[UUID, str]:
    async with rig.engine.connect() as connection:
        rows = (await connection.execute(select(inbox.c.event_id, inbox.c.outcome))).all()
    return {row.event_id: row.outcome for row in rows}


async def test_a_key_is_applied_once_and_the_same_event_under_a_new_key_again(rig) -> None:
    await make_topics(rig)
    twice, once = rig.event(), rig.event()
    first, other = in_round(twice, "1"), in_round(once, "1")
    twice_id, once_id = (UUID(header_value(record[1], "ce_id") or "") for record in (first, other))
    await rig.produce(TOPIC, [first, first, in_round(twice, "2", event_id=twice_id), other])
    async with rig.running(rig.relay().run, keyed_consumer(rig, Refusals()).run):
        await rig.wait_until(lambda: read_all(rig, TOPIC, 4), what="every record read")

    applications = Counter(row.event_id for row in await rig.applied_rows())
    assert applications == {twice_id: 2, once_id: 1}
    assert await inbox_rows(rig) == {
        uuid5(_KEYS, f"1/{twice_id}"): "processed",
        uuid5(_KEYS, f"2/{twice_id}"): "processed",
        uuid5(_KEYS, f"1/{once_id}"): "processed",
    }


async def test_a_refused_event_is_dead_lettered_at_once_and_applied_once_when_redriven_after_the_fix(rig) -> None:
    await make_topics(rig)
    refused, fine = rig.event(), rig.event()
    refusals = Refusals(ids={refused.notification_id})
    records = [in_round(refused, "7"), in_round(fine, "7")]
    refused_id, fine_id = (UUID(header_value(record[1], "ce_id") or "") for record in records)
    await rig.produce(TOPIC, records)
    async with rig.running(rig.relay().run, keyed_consumer(rig, refusals).run):
        [letter] = await rig.read_topic(DEAD_LETTERS, 1)
        await rig.wait_until(lambda: read_all(rig, TOPIC, 2), what="every record read")
        assert [row.event_id for row in await rig.applied_rows()] == [fine_id], "the refusal's effect rolled back"
        assert header_value(letter.headers, "pathfinder_dlt_reason") == "replay-refused"
        assert header_value(letter.headers, "pathfinder_dlt_error") == "round 7"
        assert header_value(letter.headers, "pathfinder_dlt_attempts") == "1"
        assert header_value(letter.headers, "pathfinder_dlt_original_event_id") == str(refused_id)
        assert refusals.calls[refused.notification_id] <= 2, "tried in its batch and alone, never retried"
        async with rig.engine.connect() as connection:
            assert (await connection.execute(select(consumer_failure))).all() == [], "a refusal is no failure"

        refusals.ids.clear()  # the fault is fixed
        redrive = redrive_record(list(letter.headers), letter.key, letter.value)
        assert redrive.topic == REDRIVES
        await rig.produce(REDRIVES, [redrive[1:], redrive[1:]])
        await rig.wait_until(lambda: read_all(rig, REDRIVES, 2), what="both redrive records read")

    assert Counter(row.event_id for row in await rig.applied_rows()) == {fine_id: 1, refused_id: 1}
    assert await inbox_rows(rig) == {
        uuid5(_KEYS, f"7/{refused_id}"): "processed",
        uuid5(_KEYS, f"7/{fine_id}"): "processed",
    }
