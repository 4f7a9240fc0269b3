"""What a replay would send, counted before anything is sent (the dry run)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from pathfinder.event_history.domain.replay import ReplayTarget


@dataclass(frozen=True)
class PartitionCount:
    topic: str
    partition: int
    events: int
    offset: int | None = None  # a consumer group's rewind: the offset it would be set to


@dataclass(frozen=True)
class ReplayPlan:
    target: ReplayTarget
    events: int
    last_position: int  # the archive's end when counted: a replay takes the events up to it
    first_record_time: datetime | None
    last_record_time: datetime | None
    partitions: tuple[PartitionCount, ...] = ()
    by_type: dict[str, int] = field(default_factory=dict)
    by_la: dict[str, int] = field(default_factory=dict)  # "none" for events no LA may receive

    def with_offsets(self, offsets: Iterable[PartitionCount]) -> ReplayPlan:
        """A consumer group's rewind: every partition it would be set on, with the records it would read again
        there (counted on the broker), and their total."""
        partitions = tuple(sorted(offsets, key=lambda one: (one.topic, one.partition)))
        return replace(self, partitions=partitions, events=sum(one.events for one in partitions))
