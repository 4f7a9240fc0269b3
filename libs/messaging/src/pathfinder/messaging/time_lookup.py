"""Which offset of a partition a time stands for, checked against the records rather than taken on trust.

Kafka's ListOffsets for a time (``offsets_for_times``) answers the earliest offset whose record timestamp is at
or after the time, or nothing when there is none. The embedded broker answers offset 0 instead of nothing, and
looks times up by when it appended the records rather than by their own timestamps; replaying "from time T"
on its answer would replay everything, or miss records. So the answer is kept only when the records around it
agree with Kafka's definition; otherwise the partition is read to find the offset (only ever on that broker).
Nothing here does I/O: :mod:`pathfinder.messaging.log_reader` fetches what these functions decide on.
"""

from __future__ import annotations

from collections.abc import Iterable


def offset_for_time(
    at_ms: int, *, answered: int | None, end: int, found_ms: int | None, before_ms: int | None
) -> int | None:
    """The first offset at or after ``at_ms``, or ``end`` when no record is; None when the broker's answer
    disagrees with the records and the partition must be read instead (:func:`first_at_or_after`).

    ``answered``: the broker's answer (None: no record at or after the time); ``end``: the high watermark;
    ``found_ms``: the timestamp of the first record at or after ``answered``; ``before_ms``: that of the record
    just before it (None when ``answered`` is the start of the log).
    """
    if answered is None or answered >= end:
        return end
    # Kafka's answer is the earliest such record: it is at or after the time, and the one before it is not.
    if found_ms is not None and found_ms >= at_ms and (before_ms is None or before_ms < at_ms):
        return answered
    return None


def first_at_or_after(at_ms: int, records: Iterable[tuple[int, int]]) -> int | None:
    """The offset of the first of ``records`` (offset, timestamp), in log order, at or after ``at_ms``."""
    return next((offset for offset, timestamp in records if timestamp >= at_ms), None)
