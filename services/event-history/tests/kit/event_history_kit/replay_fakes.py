"""Replays, the broker's side of them and the consumer groups, in memory, answering as the SQL and Kafka adapters
do: a replay's row and each of its shards' rows saved are kept only when its unit of work commits, each on its
own (a lane's shard and an engineer's pause do not overwrite each other); a shard is claimed by one unit of work
at a time; the sender records what it was asked to send; consumer groups are partitions of record times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from pathfinder.event_history.domain.archived_event import ArchivedEvent, ArchivedRecord
from pathfinder.event_history.domain.refusals import GroupInUse
from pathfinder.event_history.domain.replay import Replay, ReplayStatus, ReplayTarget
from pathfinder.event_history.domain.replay_plan import PartitionCount
from pathfinder.event_history.domain.replay_shard import ShardProgress
from pathfinder.event_history.service_layer.ports import PartitionLag


class FakeReplays:
    def __init__(self, committed: Mapping[UUID, Replay], held: set[tuple[UUID, int]]) -> None:
        self._committed = committed
        self._held = held  # shared by every unit of work of the store: a claim is seen by the others
        self._mine: set[tuple[UUID, int]] = set()
        self._added: dict[UUID, Replay] = {}
        self._rows: dict[UUID, Replay] = {}  # replays whose own row was saved (not their shards')
        self._shards: dict[tuple[UUID, int], ShardProgress] = {}

    def _merged(self, base: Mapping[UUID, Replay]) -> dict[UUID, Replay]:
        merged = {**base, **self._added}
        for replay_id, row in self._rows.items():
            merged[replay_id] = replace(row, shards=merged[replay_id].shards)
        for (replay_id, index), progress in self._shards.items():
            one = merged[replay_id]
            merged[replay_id] = replace(one, shards=tuple(progress if shard.index == index else shard
                                                          for shard in one.shards))  # fmt: skip
        return merged

    def _current(self) -> dict[UUID, Replay]:
        return self._merged(self._committed)

    async def add(self, replay: Replay) -> None:
        assert replay.replay_id not in self._current(), "a replay's id is new"
        self._added[replay.replay_id] = replay

    async def save(self, replay: Replay) -> None:
        self._rows[replay.replay_id] = replay

    async def save_shard(self, replay_id: UUID, progress: ShardProgress) -> None:
        assert (replay_id, progress.index) in self._mine, "a lane saves only the shard it holds"
        self._shards[(replay_id, progress.index)] = progress

    async def get(self, replay_id: UUID, *, for_update: bool) -> Replay | None:
        return self._current().get(replay_id)

    async def recent(self, *, organisation: str | None, limit: int) -> list[Replay]:
        mine = [one for one in self._current().values() if organisation is None or one.organisation == organisation]
        return sorted(mine, key=lambda one: one.started_at, reverse=True)[:limit]

    async def claim_shard(self) -> tuple[Replay, int] | None:
        waiting = [(shard.updated_at is not None, shard.updated_at or one.started_at, shard.index, one)
                   for one in self._current().values() if one.status is ReplayStatus.RUNNING
                   for shard in one.shards
                   if not shard.done and (one.replay_id, shard.index) not in self._held]  # fmt: skip
        if not waiting:
            return None
        *_order, index, claimed = min(waiting, key=lambda found: found[:3])
        self._held.add((claimed.replay_id, index))
        self._mine.add((claimed.replay_id, index))
        return claimed, index

    def apply(self, store: dict[UUID, Replay]) -> None:
        """What this unit of work saved, onto the store's replays as they are now (its commit)."""
        store.update(self._merged(store))

    def release(self) -> None:
        """The transaction ended: its claims go (and whatever it saved was kept or dropped)."""
        self._held.difference_update(self._mine)
        self._mine.clear()
        self._added, self._rows, self._shards = {}, {}, {}


@dataclass
class FakeReplaySender:
    """Records each batch it is asked to send; ``failing`` makes the next sends fail as a broker would."""

    batches: list[tuple[UUID, ReplayTarget, list[ArchivedRecord]]] = field(default_factory=list)
    redriven: list[ArchivedEvent] = field(default_factory=list)
    failing: Exception | None = None

    async def send(self, events: Sequence[ArchivedRecord], target: ReplayTarget, replay_id: UUID) -> None:
        if self.failing is not None:
            raise self.failing
        self.batches.append((replay_id, target, list(events)))

    async def redrive(self, dead_letters: Sequence[ArchivedEvent]) -> None:
        if self.failing is not None:
            raise self.failing
        self.redriven.extend(dead_letters)

    def sent(self, replay_id: UUID | None = None) -> list[ArchivedRecord]:
        return [event for sent_for, _target, events in self.batches
                if replay_id is None or sent_for == replay_id for event in events]  # fmt: skip


@dataclass
class FakeConsumerGroups:
    """Each partition is its records' times (offset = index); ``members`` are the groups with live members."""

    logs: dict[tuple[str, int], list[datetime]] = field(default_factory=dict)
    committed: dict[tuple[str, str, int], int] = field(default_factory=dict)  # (group, topic, partition)
    members: set[str] = field(default_factory=set)

    def _partitions(self, topic: str) -> list[int]:
        return sorted(partition for named, partition in self.logs if named == topic) or [0]

    async def offsets_at(self, topics: Sequence[str], at: datetime) -> list[PartitionCount]:
        found = []
        for topic in topics:
            for partition in self._partitions(topic):
                times = self.logs.get((topic, partition), [])
                offset = next((index for index, time in enumerate(times) if time >= at), len(times))
                found.append(PartitionCount(topic, partition, len(times) - offset, offset))
        return found

    async def rewind(self, group: str, topics: Sequence[str], at: datetime) -> list[PartitionCount]:
        if group in self.members:
            raise GroupInUse(f"Consumer group {group} has live members: stop its consumers, then rewind it.")
        offsets = await self.offsets_at(topics, at)
        for one in offsets:
            self.committed[(group, one.topic, one.partition)] = one.offset or 0
        return offsets

    async def lag(self, groups: Mapping[str, Sequence[str]]) -> list[PartitionLag]:
        found = []
        for group, topics in groups.items():
            for topic in topics:
                for partition in self._partitions(topic):
                    end = len(self.logs.get((topic, partition), []))
                    committed = self.committed.get((group, topic, partition))
                    found.append(PartitionLag(group, topic, partition, committed, end, end - (committed or 0)))
        return found
