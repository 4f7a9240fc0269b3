"""A replay: a slice of the archive sent again to one target, at a rate, in archive order, resumable.

The replay takes the events archived up to the moment it was asked for (``last_position``), so "done" is
defined however busy the platform is. It is split into shards by partition key (``replay_shard``), sent side by
side, each at its share of the rate; a shard's cursor is the last archive position up to which its records were
sent and acknowledged, so a resumed replay carries each shard on after its cursor: nothing skipped, nothing sent
twice, and each child's events (one key, one shard) in archive order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import InvalidQuery
from pathfinder.event_history.domain.replay_shard import MAX_SHARDS, Shard, ShardProgress, rate_share

MAX_RATE = 200_000  # events/s: above this a replay would starve the platform's own traffic


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
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    offsets: tuple[tuple[str, int, int], ...] = field(default=())  # a rewound group's (topic, partition, offset)
    shards: tuple[ShardProgress, ...] = (ShardProgress(0),)

    @classmethod
    def ask(
        cls, replay_id: UUID, chosen: EventSlice, target: ReplayTarget, *, rate: int, requested_by: str,
        organisation: str, reason: str, total: int, last_position: int, now: datetime, shards: int = 1,
    ) -> Replay:  # fmt: skip
        if not 1 <= rate <= MAX_RATE:
            raise InvalidReplay(f"The rate is between 1 and {MAX_RATE:,} events a second.")
        if not 1 <= shards <= MAX_SHARDS:
            raise InvalidReplay(f"A replay is split into 1 to {MAX_SHARDS} shards.")
        target.check(chosen)
        # Each shard sends at its share of the rate, so no more shards than events a second.
        split = tuple(ShardProgress(index) for index in range(min(shards, rate)))
        return cls(replay_id, chosen, target, rate, requested_by, organisation, reason, total, last_position, now,
                   updated_at=now, shards=split)  # fmt: skip

    @property
    def finished(self) -> bool:
        return self.status in (ReplayStatus.DONE, ReplayStatus.CANCELLED)

    @property
    def sent(self) -> int:
        return sum(one.sent for one in self.shards)

    @property
    def cursor(self) -> int:
        """The archive position up to which every event of the slice was sent and acknowledged, whatever its
        shard (the least of the shards' cursors)."""
        return min(one.cursor for one in self.shards)

    @property
    def events_per_second(self) -> float:
        """The shards' rates added up, over each one's last batch (none while it is not running)."""
        if self.status is not ReplayStatus.RUNNING:
            return 0.0
        return sum(one.events_per_second for one in self.shards if not one.done)

    @property
    def last_change(self) -> datetime | None:
        """When it last changed: its status, or any shard's progress."""
        return max((one for one in (self.updated_at, *(shard.updated_at for shard in self.shards)) if one),
                   default=None)  # fmt: skip

    def shard(self, index: int) -> Shard:
        return Shard(index, len(self.shards))

    def rate_of(self, index: int) -> int:
        """Shard ``index``'s share of the rate: together the shards send at most ``rate`` events a second."""
        return rate_share(self.rate, index, len(self.shards))

    def advanced(self, to_position: int, count: int, *, now: datetime, shard: int = 0) -> Replay:
        """``count`` more events of ``shard`` sent and acknowledged, every one of the shard's up to archive position
        ``to_position`` among them."""
        if self.status is not ReplayStatus.RUNNING:
            raise InvalidReplay(f"The replay is {self.status.value}.")
        progress = self.shards[shard].advanced(
            to_position, count, last_position=self.last_position, since=self.started_at, now=now
        )
        return self.with_shard(progress, now=now)

    def with_shard(self, progress: ShardProgress, *, now: datetime) -> Replay:
        """The replay with one shard's ``progress``: done once every shard is, unless it was paused or cancelled
        meanwhile (a paused replay whose shards are all done is done when resumed)."""
        shards = tuple(progress if one.index == progress.index else one for one in self.shards)
        return replace(self, shards=shards)._done_if_every_shard_is(now)

    def _done_if_every_shard_is(self, now: datetime) -> Replay:
        if self.status is ReplayStatus.RUNNING and all(one.done for one in self.shards):
            return replace(self, status=ReplayStatus.DONE, updated_at=now, finished_at=now)
        return self

    def rewound(self, offsets: tuple[tuple[str, int, int], ...], *, now: datetime) -> Replay:
        rewound = ShardProgress(0, cursor=self.last_position, sent=self.total, done=True, updated_at=now)
        return replace(self, offsets=offsets, status=ReplayStatus.DONE, shards=(rewound,), updated_at=now,
                       finished_at=now)  # fmt: skip

    def paused(self, *, now: datetime) -> Replay:
        if self.finished:
            raise InvalidReplay(f"The replay is {self.status.value}: there is nothing to pause.")
        return replace(self, status=ReplayStatus.PAUSED, updated_at=now)

    def resumed(self, *, now: datetime) -> Replay:
        if self.finished:
            raise InvalidReplay(f"The replay is {self.status.value}: there is nothing to resume.")
        return replace(self, status=ReplayStatus.RUNNING, updated_at=now)._done_if_every_shard_is(now)

    def cancelled(self, *, now: datetime) -> Replay:
        if self.status is ReplayStatus.DONE:
            raise InvalidReplay("The replay is done: there is nothing to cancel.")
        return replace(self, status=ReplayStatus.CANCELLED, updated_at=now, finished_at=now)
