# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Redriving dead letters through the consumer that dead-lettered them, on the real broker and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from uuid import uuid4

from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.group_offsets import group_lag
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.redrive import REDRIVE_OF_HEADER, redrive_record
from pathfinder.messaging.schema import inbox, outbox
from sqlalchemy import func, select

EVENT_TOPIC = "pathfinder.notifications.early-years"
DEAD_LETTER_TOPIC = "tests.intake.dead-letter"
REDRIVE_TOPIC = "tests.intake.redrive"
GROUP = "tests.intake"


async def test_a_fixed_dead_letter_redriven_is_applied_once_however_often_it_is_redriven(rig) -> None:
    poisoned, applied = rig.event(), rig.event()
    rig.poison.ids.add(poisoned.notification_id)
    poisoned_id, applied_id = await rig.publish([poisoned, applied])
    async with rig.running(rig.relay().run, rig.consumer().run):
        await rig.wait_until(lambda: _applied(rig, applied_id), what="the event that did not fail")
        [letter] = await rig.read_topic(DEAD_LETTER_TOPIC, 1)
        rig.poison.ids.clear()  # the fault is fixed

        redrive = redrive_record(list(letter.headers), letter.key, letter.value)
        assert redrive.topic == REDRIVE_TOPIC
        await rig.produce(REDRIVE_TOPIC, [redrive[1:], redrive[1:], redrive[1:]])
        # An event the consumer applied in the first place, and one it never saw, sent as if dead-lettered.
        already = message_for_event(rig.event(), source="/tests", event_id=applied_id)
        unknown = message_for_event(rig.event(), source="/tests")
        await rig.produce(
            REDRIVE_TOPIC,
            [
                (m.key.encode(), [*m.headers, (REDRIVE_OF_HEADER, str(m.event_id).encode())], m.payload)
                for m in (already, unknown)
            ],
        )
        await rig.wait_until(lambda: _redrives_read(rig, 5), what="every redrive record read")

    applications = Counter(row.event_id for row in await rig.applied_rows())
    assert applications == {poisoned_id: 1, applied_id: 1}
    assert await _outcomes(rig) == {poisoned_id: "processed", applied_id: "processed"}
    assert rig.poison.calls[poisoned.notification_id] == rig.consumer_settings.max_attempts + 1  # before the fix
    assert await _dead_letters_written(rig) == 1


async def test_a_redriven_event_that_fails_again_is_dead_lettered_again_and_can_be_redriven_later(rig) -> None:
    poisoned = rig.event()
    rig.poison.ids.add(poisoned.notification_id)
    [poisoned_id] = await rig.publish([poisoned])
    async with rig.running(rig.relay().run, rig.consumer().run):
        [first] = await rig.read_topic(DEAD_LETTER_TOPIC, 1)
        await rig.produce(REDRIVE_TOPIC, [redrive_record(list(first.headers), first.key, first.value)[1:]])
        letters = await rig.read_topic(DEAD_LETTER_TOPIC, 2)
        assert len(letters) == 2
        assert await _outcomes(rig) == {poisoned_id: "dead_lettered"}

        again = letters[1]
        for name in ("original_topic", "original_partition", "original_offset", "original_event_id", "reason"):
            assert header_value(again.headers, f"pathfinder_dlt_{name}") == header_value(
                first.headers, f"pathfinder_dlt_{name}"
            ), name
        assert header_value(again.headers, REDRIVE_OF_HEADER) is None
        assert header_value(again.headers, "ce_id") == str(poisoned_id)

        rig.poison.ids.clear()
        await rig.produce(REDRIVE_TOPIC, [redrive_record(list(again.headers), again.key, again.value)[1:]])
        await rig.wait_until(lambda: _applied(rig, poisoned_id), what="the event applied on its second redrive")

    assert [row.event_id for row in await rig.applied_rows()] == [poisoned_id]
    assert await _outcomes(rig) == {poisoned_id: "processed"}
    tries = rig.consumer_settings.max_attempts
    assert rig.poison.calls[poisoned.notification_id] == (tries + 1) + tries


async def test_a_malformed_record_redriven_unchanged_is_dead_lettered_again_as_it_was_first_read(rig) -> None:
    await rig.produce(EVENT_TOPIC, [(str(uuid4()).encode(), [("content-type", b"application/json")], b"{}")])
    async with rig.running(rig.relay().run, rig.consumer().run):
        [first] = await rig.read_topic(DEAD_LETTER_TOPIC, 1)
        await rig.produce(REDRIVE_TOPIC, [redrive_record(list(first.headers), first.key, first.value)[1:]])
        letters = await rig.read_topic(DEAD_LETTER_TOPIC, 2)

    assert len(letters) == 2
    for name in ("original_topic", "original_offset", "original_event_id", "reason"):
        assert header_value(letters[1].headers, f"pathfinder_dlt_{name}") == header_value(
            first.headers, f"pathfinder_dlt_{name}"
        ), name
    assert header_value(letters[1].headers, "pathfinder_dlt_reason") == "malformed"
    assert header_value(letters[1].headers, "pathfinder_dlt_original_topic") == EVENT_TOPIC
    assert await rig.applied_rows() == []


async def _applied(rig, event_id) -> bool:
    return any(row.event_id == event_id for row in await rig.applied_rows())


async def _redrives_read(rig, records: int) -> bool:
    lags = await group_lag(rig.kafka, GROUP, [REDRIVE_TOPIC])
    return sum(lag.end for lag in lags) == records and all(lag.lag == 0 for lag in lags)


async def _dead_letters_written(rig) -> int:
    async with rig.engine.connect() as connection:
        count = await connection.execute(select(func.count()).where(outbox.c.topic == DEAD_LETTER_TOPIC))
    return int(count.scalar_one())


async def _outcomes(rig) -> dict:
    async with rig.engine.connect() as connection:
        rows = (await connection.execute(select(inbox.c.event_id, inbox.c.outcome))).all()
    return {row.event_id: row.outcome for row in rows}
