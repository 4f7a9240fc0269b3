# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The runtime against the real embedded broker and PostgreSQL: outbox to Kafka to inbox, and its faults."""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

from pathfinder.messaging.envelope import EventEnvelope, header_value
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.schema import consumer_failure, inbox
from sqlalchemy import func, select

DEAD_LETTER_TOPIC = "tests.intake.dead-letter"
REDRIVE_TOPIC = "tests.intake.redrive"


async def dead_letters(rig, expected: int) -> list:
    return list(await rig.read_topic(DEAD_LETTER_TOPIC, expected))


async def produce_raw(rig, records: list[tuple[bytes | None, list[tuple[str, bytes]], bytes | None]]) -> None:
    await rig.produce("pathfinder.notifications.early-years", records)


async def test_events_flow_from_outbox_to_consumer_exactly_once(rig) -> None:
    person = uuid4()
    events = [rig.event(person) for _ in range(20)] + [rig.event() for _ in range(30)]
    ids = await rig.publish(events)
    async with rig.running(rig.relay().run, rig.consumer().run):
        await rig.wait_until(lambda: _count(rig, 50), what="50 events applied")
    rows = await rig.applied_rows()
    assert len(rows) == 50
    assert await rig.unpublished() == 0
    # One child's events arrive in the order they were written.
    assert [row.event_id for row in rows if row.person_id == person] == ids[:20]
    assert {row.event_id for row in rows} == set(ids)


async def test_redelivered_event_is_a_no_op(rig) -> None:
    message = message_for_event(rig.event(), source="/tests")
    record = (message.key.encode(), message.headers, message.payload)
    await produce_raw(rig, [record, record, record])
    async with rig.running(rig.relay().run, rig.consumer().run):
        await rig.wait_until(lambda: _inbox_count(rig, 1), what="inbox row")
        await asyncio.sleep(1.0)
    assert len(await rig.applied_rows()) == 1


async def test_malformed_and_unknown_events_are_dead_lettered_and_the_partition_moves_on(rig) -> None:
    key = str(uuid4()).encode()
    good = message_for_event(rig.event(), source="/tests")
    # A CloudEvent is identified by its id: each bad record is a different event.
    unknown_type = _with(good.headers, ce_type=b"pathfinder.tests.no-such-event.v1", ce_id=str(uuid4()).encode())
    invalid_headers = _with(good.headers, ce_id=str(uuid4()).encode())
    invalid_data = json.dumps({"person_id": "not-a-uuid"}).encode()
    await produce_raw(
        rig,
        [
            (key, [("content-type", b"application/json")], b"{}"),  # no CloudEvents headers at all
            (key, unknown_type, good.payload),
            (key, invalid_headers, invalid_data),
            (good.key.encode(), good.headers, good.payload),
        ],
    )
    async with rig.running(rig.relay().run, rig.consumer().run):
        await rig.wait_until(lambda: _count(rig, 1), what="the good event after three bad ones")
        letters = await dead_letters(rig, 3)
    reasons = sorted(header_value(r.headers, "pathfinder_dlt_reason") or "" for r in letters)
    assert reasons == ["malformed", "malformed", "unknown-event-type"]
    for letter in letters:
        assert header_value(letter.headers, "pathfinder_dlt_original_topic") == "pathfinder.notifications.early-years"
        assert header_value(letter.headers, "pathfinder_dlt_original_offset") in {"0", "1", "2"}
        assert header_value(letter.headers, "pathfinder_dlt_error")
    # The schema error names the field, never the value that was sent.
    invalid = next(r for r in letters if b"not-a-uuid" in (r.value or b""))
    error = header_value(invalid.headers, "pathfinder_dlt_error") or ""
    assert "person_id" in error
    assert "not-a-uuid" not in error


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered(rig) -> None:
    person = uuid4()
    poisoned, following = rig.event(person), rig.event(person)
    rig.poison.ids.add(poisoned.notification_id)
    await rig.publish([poisoned, following])
    async with rig.running(rig.relay().run, rig.consumer().run):
        await rig.wait_until(lambda: _count(rig, 1), what="the event after the poisoned one")
        letters = await dead_letters(rig, 1)
    assert rig.poison.calls[poisoned.notification_id] == rig.consumer_settings.max_attempts + 1  # +1: batch try
    assert len(letters) == 1
    assert header_value(letters[0].headers, "pathfinder_dlt_reason") == "handler-failed"
    assert header_value(letters[0].headers, "pathfinder_dlt_attempts") == str(rig.consumer_settings.max_attempts)
    assert "handler refuses this event" in (header_value(letters[0].headers, "pathfinder_dlt_error") or "")
    assert EventEnvelope.from_record(letters[0].headers, letters[0].value).id is not None
    async with rig.engine.connect() as connection:
        outcome = (await connection.execute(select(inbox.c.outcome))).scalars().all()
        failures = (await connection.execute(select(consumer_failure.c.attempts))).scalars().all()
    assert sorted(outcome) == ["dead_lettered", "processed"]
    assert failures == [rig.consumer_settings.max_attempts]


async def _count(rig, expected: int) -> bool:
    return len(await rig.applied_rows()) >= expected


async def _inbox_count(rig, expected: int) -> bool:
    async with rig.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(inbox))).scalar_one()) >= expected


def _with(headers: list[tuple[str, bytes]], **changes: bytes) -> list[tuple[str, bytes]]:
    return [(name, changes.get(name, value)) for name, value in headers]


async def test_consumer_lag_is_high_watermark_minus_position(rig) -> None:
    """Lag comes from the fetch high watermark, which both brokers report correctly (the embedded broker's
    ListOffsets answer is wrong), so the figure must match what is really left to read."""
    await rig.publish([rig.event() for _ in range(60)])
    async with rig.running(rig.relay().run):
        await rig.wait_until(lambda: _nothing_unpublished(rig), what="outbox published")
    consumer = rig.consumer()
    rig.consumer_settings.max_batch = 7
    await consumer.start()
    try:
        handled = 0
        while handled < 20:
            handled += await consumer.poll_once(timeout_ms=2000)
        lag = consumer.lag()
        events = {where: behind for where, behind in lag.items() if where[0] != REDRIVE_TOPIC}
        assert len(events) == rig.kafka.topic_partitions
        assert sum(events.values()) == 60 - handled
        assert sum(lag.values()) == sum(events.values())  # the group's redrive topic is read too, and empty
        while handled < 60:
            handled += await consumer.poll_once(timeout_ms=2000)
        await consumer.poll_once(timeout_ms=200)
        assert set(consumer.lag().values()) == {0}
    finally:
        await consumer.stop()
    assert len(await rig.applied_rows()) == 60


async def _nothing_unpublished(rig) -> bool:
    return bool(await rig.unpublished() == 0)


async def test_a_stopping_worker_does_not_wait_out_a_retry_and_leaves_the_event_to_be_applied_later(rig) -> None:
    rig.consumer_settings = rig.consumer_settings.model_copy(
        update={"backoff_initial_seconds": 60.0, "backoff_max_seconds": 60.0}
    )
    poisoned = rig.event()
    rig.poison.ids.add(poisoned.notification_id)
    await rig.publish([poisoned])
    stop = asyncio.Event()
    relay, consumer = asyncio.create_task(rig.relay().run(stop)), asyncio.create_task(rig.consumer().run(stop))
    try:
        await rig.wait_until(lambda: _failures_recorded(rig), what="the first failed attempt")
    finally:
        stop.set()
        started = asyncio.get_running_loop().time()
        await asyncio.gather(relay, consumer)
    assert asyncio.get_running_loop().time() - started < 10  # not the 30-60 s pause before the next attempt
    rig.poison.ids.clear()  # fixed: a new worker applies the event, once
    rig.consumer_settings = rig.consumer_settings.model_copy(update={"backoff_initial_seconds": 0.01})
    async with rig.running(rig.consumer().run):
        await rig.wait_until(lambda: _count(rig, 1), what="the event applied after the restart")
    assert len(await rig.applied_rows()) == 1


async def _failures_recorded(rig) -> bool:
    async with rig.engine.connect() as connection:
        return bool((await connection.execute(select(consumer_failure.c.attempts))).scalars().all())
