"""The offset for a time, as Kafka defines it (ListOffsets for a time: the earliest offset whose record
timestamp is at or after the time; no offset when no record is), whatever the broker answered.

Each partition here is a list of record timestamps, offset = index. ``resolve`` does what ``offsets_at`` does
with a broker's answer, on that list: check the answer against the records there, else read the partition.
"""

from __future__ import annotations

import pytest
from pathfinder.messaging.time_lookup import first_at_or_after, offset_for_time

PARTITIONS = {
    "in order": [10, 20, 20, 30, 40],
    "out of order": [10, 50, 20, 30, 60, 15],
    "one record": [25],
    "empty": [],
}


def kafka_answer(timestamps: list[int], at: int) -> int | None:
    return next((offset for offset, stamp in enumerate(timestamps) if stamp >= at), None)


def embedded_answer(appended: list[int], at: int) -> int:
    """The embedded broker: looks the time up among append times, and answers 0 when no record is at or after."""
    return next((offset for offset, stamp in enumerate(appended) if stamp >= at), 0)


def expected(timestamps: list[int], at: int) -> int:
    answer = kafka_answer(timestamps, at)
    return len(timestamps) if answer is None else answer


def resolve(timestamps: list[int], at: int, answered: int | None) -> int:
    end = len(timestamps)
    found = before = None
    if answered is not None and 0 <= answered < end:
        found = timestamps[answered]
        before = timestamps[answered - 1] if answered > 0 else None
    offset = offset_for_time(at, answered=answered, end=end, found_ms=found, before_ms=before)
    if offset is not None:
        return offset
    scanned = first_at_or_after(at, enumerate(timestamps))
    return end if scanned is None else scanned


@pytest.mark.parametrize("name", PARTITIONS)
def test_kafkas_answer_is_taken_without_reading_the_partition(name: str) -> None:
    timestamps = PARTITIONS[name]
    for at in range(0, 70):
        answered = kafka_answer(timestamps, at)
        found = timestamps[answered] if answered is not None else None
        before = timestamps[answered - 1] if answered else None
        decided = offset_for_time(at, answered=answered, end=len(timestamps), found_ms=found, before_ms=before)
        assert decided == expected(timestamps, at), f"at {at}"


def test_no_record_at_or_after_the_time_is_the_end_of_the_partition() -> None:
    assert offset_for_time(41, answered=None, end=5, found_ms=None, before_ms=None) == 5
    assert offset_for_time(41, answered=5, end=5, found_ms=None, before_ms=None) == 5


def test_the_earliest_record_at_or_after_the_time_is_the_offset() -> None:
    # Records 1 and 2 share timestamp 20: a time of 20 starts at the first of them.
    assert resolve(PARTITIONS["in order"], 20, answered=1) == 1
    assert resolve(PARTITIONS["in order"], 15, answered=1) == 1
    assert resolve(PARTITIONS["in order"], 5, answered=0) == 0


def test_the_embedded_brokers_zero_for_a_time_after_the_last_record_is_the_end_not_a_replay_of_everything() -> None:
    timestamps = PARTITIONS["in order"]
    assert offset_for_time(45, answered=0, end=5, found_ms=10, before_ms=None) is None  # not taken on trust
    assert resolve(timestamps, 45, answered=0) == 5


@pytest.mark.parametrize("name", PARTITIONS)
def test_every_answer_of_the_embedded_broker_comes_to_kafkas_offset(name: str) -> None:
    timestamps = PARTITIONS[name]
    for at in range(0, 70):
        assert resolve(timestamps, at, embedded_answer(timestamps, at)) == expected(timestamps, at), f"at {at}"


def test_records_appended_later_than_their_own_timestamps_are_found_by_their_timestamps() -> None:
    """The relay stamps a record with its outbox row's creation time, which a backlog puts well before the
    broker appends it; the embedded broker looks times up by append time."""
    created = [0, 10_000, 20_000, 30_000, 40_000]
    appended = [60_001, 60_002, 60_003, 60_004, 60_005]
    for at in [-1, 0, 5_000, 15_000, 40_000, 41_000, 60_003, 61_000]:
        assert resolve(created, at, embedded_answer(appended, at)) == expected(created, at), f"at {at}"


def test_an_answer_with_an_earlier_record_at_or_after_the_time_before_it_is_not_trusted() -> None:
    assert offset_for_time(15, answered=3, end=5, found_ms=30, before_ms=20) is None
    assert resolve(PARTITIONS["in order"], 15, answered=3) == 1


def test_an_answer_whose_record_is_older_than_the_time_is_not_trusted() -> None:
    assert offset_for_time(35, answered=1, end=5, found_ms=20, before_ms=10) is None
    assert resolve(PARTITIONS["in order"], 35, answered=1) == 4


def test_reading_the_partition_finds_the_first_record_in_log_order() -> None:
    assert first_at_or_after(40, enumerate(PARTITIONS["out of order"])) == 1
    assert first_at_or_after(61, enumerate(PARTITIONS["out of order"])) is None
    assert first_at_or_after(0, []) is None
