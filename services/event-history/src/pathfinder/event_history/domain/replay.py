"""A replay: a slice of the archive sent again to one target, at a rate, in archive order, resumable.

The replay takes the events archived up to the moment it was asked for (``last_position``), so "done" is
defined however busy the platform is; ``cursor`` is the last archive position sent and acknowledged, so a
resumed replay carries on after it: nothing skipped, nothing sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import InvalidQuery

MAX_RATE = 50_000  # events/s: above this a replay would starve the platform's own traffic


class TargetKind(StrEnum):
    TOPIC = "topic"
    CONSUMER_GROUP = "consumer-group"
    SUBSCRIPTION = "subscription"


class ReplayStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class InvalidReplay(InvalidQuery):
    """The replay asked for cannot be done as asked; the message says why and what to do instead."""


@dataclass(frozen=True)
class ReplayTarget:
    kind: TargetKind
    topic: str | None = None  # TOPIC: None sends each event to its own topic
    group: str | None = None  # CONSUMER_GROUP
    subscription_id: UUID | None = None  # SUBSCRIPTION

    def __post_init__(self) -> None:
        given = {"topic": self.topic, "group": self.group, "subscription_id": self.subscription_id}
        allowed = {TargetKind.TOPIC: {"topic"}, TargetKind.CONSUMER_GROUP: {"group"},
                   TargetKind.SUBSCRIPTION: {"subscription_id"}}[self.kind]  # fmt: skip
        stray = [name for name, value in given.items() if value is not None and name not in allowed]
        if stray:
            raise InvalidReplay(f"A {self.kind.value} target takes no {', '.join(stray)}.")
        if self.kind is TargetKind.CONSUMER_GROUP and not self.group:
            raise InvalidReplay("A consumer-group target names the group.")
        if self.kind is TargetKind.SUBSCRIPTION and self.subscription_id is None:
            raise InvalidReplay("A subscription target names the subscription's id.")

    def check(self, chosen: EventSlice) -> None:
        """What a target can express: a consumer group is rewound by time, so only a time range (and topic)."""
        if self.kind is TargetKind.CONSUMER_GROUP:
            if chosen.since is None:
                raise InvalidReplay("Rewinding a consumer group needs --since: the time it is rewound to.")
            if chosen.event_types or chosen.la_code or chosen.person_id or chosen.correlation_id:
                raise InvalidReplay(
                    "A consumer group can only be rewound to a time, so it would get every event from then on. "
                    "To send a filtered slice (types, LA, person, correlation id), replay it to a topic or a "
                    "subscription instead."
                )
        if self.kind is TargetKind.SUBSCRIPTION and chosen.la_code is None:
            raise InvalidReplay("A replay to a subscription is of one LA's events: give --la, the subscription's LA.")

    def describe(self) -> str:
        if self.kind is TargetKind.TOPIC:
            return f"topic {self.topic}" if self.topic else "each event's own topic"
        if self.kind is TargetKind.CONSUMER_GROUP:
            return f"consumer group {self.group}"
        return f"subscription {self.subscription_id}"


@dataclass(frozen=True)
class Replay:
    replay_id: UUID
    chosen: EventSlice
    target: ReplayTarget
    rate: int
    requested_by: str
    organisation: str
    reason: str
    total: int
    last_position: int
    started_at: datetime
    status: ReplayStatus = ReplayStatus.RUNNING
    cursor: int = 0
    sent: int = 0
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    events_per_second: float = 0.0
    offsets: tuple[tuple[str, int, int], ...] = field(default=())  # a rewound group's (topic, partition, offset)

    @classmethod
    def ask(
        cls, replay_id: UUID, chosen: EventSlice, target: ReplayTarget, *, rate: int, requested_by: str,
        organisation: str, reason: str, total: int, last_position: int, now: datetime,
    ) -> Replay:  # fmt: skip
        if not 1 <= rate <= MAX_RATE:
            raise InvalidReplay(f"The rate is between 1 and {MAX_RATE:,} events a second.")
        target.check(chosen)
        return cls(replay_id, chosen, target, rate, requested_by, organisation, reason, total, last_position, now,
                   updated_at=now)  # fmt: skip

    @property
    def finished(self) -> bool:
        return self.status in (ReplayStatus.DONE, ReplayStatus.CANCELLED)

    def advanced(self, to_position: int, count: int, *, now: datetime) -> Replay:
        """``count`` more events sent and acknowledged, up to archive position ``to_position``."""
        if self.status is not ReplayStatus.RUNNING:
            raise InvalidReplay(f"The replay is {self.status.value}.")
        sent = self.sent + count
        seconds = (now - (self.updated_at or self.started_at)).total_seconds()
        rate = count / seconds if seconds > 0 else self.events_per_second
        done = to_position >= self.last_position or count == 0 or sent >= self.total
        cursor = self.last_position if done else max(self.cursor, to_position)
        return replace(
            self, cursor=cursor, sent=sent, updated_at=now, events_per_second=rate,
            status=ReplayStatus.DONE if done else self.status, finished_at=now if done else None,
        )  # fmt: skip

    def rewound(self, offsets: tuple[tuple[str, int, int], ...], *, now: datetime) -> Replay:
        return replace(self, offsets=offsets, status=ReplayStatus.DONE, sent=self.total, cursor=self.last_position,
                       updated_at=now, finished_at=now)  # fmt: skip

    def paused(self, *, now: datetime) -> Replay:
        if self.finished:
            raise InvalidReplay(f"The replay is {self.status.value}: there is nothing to pause.")
        return replace(self, status=ReplayStatus.PAUSED, updated_at=now, events_per_second=0.0)

    def resumed(self, *, now: datetime) -> Replay:
        if self.finished:
            raise InvalidReplay(f"The replay is {self.status.value}: there is nothing to resume.")
        return replace(self, status=ReplayStatus.RUNNING, updated_at=now)

    def cancelled(self, *, now: datetime) -> Replay:
        if self.status is ReplayStatus.DONE:
            raise InvalidReplay("The replay is done: there is nothing to cancel.")
        return replace(self, status=ReplayStatus.CANCELLED, updated_at=now, finished_at=now, events_per_second=0.0)
