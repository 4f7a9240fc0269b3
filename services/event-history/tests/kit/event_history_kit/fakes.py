"""The event history's unit of work in memory: what a unit of work adds is kept only when it commits, and the
archive answers as the SQL one does (same slices, same order, same paging)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.wire import dead_letter_topic
from pathfinder.event_history.domain.archived_event import ArchivedEvent, EventSummary
from pathfinder.event_history.domain.audit import AuditEntry
from pathfinder.event_history.domain.dead_letters import DeadLetter, Redriven
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.replay import Replay, ReplayTarget
from pathfinder.event_history.domain.replay_plan import PartitionCount, ReplayPlan
from pathfinder.event_history.domain.replay_shard import WHOLE, ReplayBatch, Shard
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork
from pathfinder.messaging.outbox_message import OutboxMessage

from event_history_kit.replay_fakes import FakeReplays


@dataclass
class FakeHistoryStore:
    events: dict[tuple[UUID, str], ArchivedEvent] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    replays: dict[UUID, Replay] = field(default_factory=dict)
    redriven: dict[int, Redriven] = field(default_factory=dict)  # by dead letter's position
    held: set[tuple[UUID, int]] = field(default_factory=set)  # shards (replay, index) claimed by an open unit of work
    commits: int = 0
    next_position: int = 1

    def unit_of_work(self) -> FakeEventHistoryUnitOfWork:
        return FakeEventHistoryUnitOfWork(self)

    def ordered(self) -> list[ArchivedEvent]:
        return sorted(self.events.values(), key=lambda event: event.position or 0)


class FakeArchive:
    def __init__(self, store: FakeHistoryStore) -> None:
        self._store = store
        self.added: list[ArchivedEvent] = []
        self.pruned: set[tuple[UUID, str]] = set()
        self.redriven: dict[int, Redriven] = {}

    def _visible(self) -> list[ArchivedEvent]:
        return [event for key, event in self._store.events.items() if key not in self.pruned]

    def _ordered(self) -> list[ArchivedEvent]:
        return sorted(self._visible(), key=lambda one: one.position or 0)

    async def add(self, events: Sequence[ArchivedEvent]) -> int:
        known = {*self._store.events, *((one.event_id, one.topic) for one in self.added)}
        new = 0
        for event in events:
            if (event.event_id, event.topic) in known:
                continue
            known.add((event.event_id, event.topic))
            self.added.append(event)
            new += 1
        return new

    async def find(self, wanted: EventSlice, *, after: int | None, limit: int) -> list[EventSummary]:
        summaries = sorted((event.summary() for event in self._visible()), key=lambda one: one.position)
        found = [one for one in summaries if wanted.matches(one) and (after is None or one.position > after)]
        return found[:limit]

    async def copies(self, event_id: UUID) -> list[ArchivedEvent]:
        return sorted((one for one in self._visible() if one.event_id == event_id), key=lambda one: one.position or 0)

    async def person_events(self, wanted: EventSlice) -> list[EventSummary]:
        return await self.find(wanted, after=None, limit=1_000_000)

    async def prune(self, topic: str, *, before: datetime, limit: int) -> int:
        expired = [one for one in sorted(self._visible(), key=lambda one: one.position or 0)
                   if one.topic == topic and one.record_time < before][:limit]  # fmt: skip
        self.pruned |= {(one.event_id, one.topic) for one in expired}
        return len(expired)

    async def lacking(self, topic: str, event_ids: Collection[UUID]) -> set[UUID]:
        return {one for one in event_ids if (one, topic) not in self._store.events or (one, topic) in self.pruned}

    async def end(self) -> int:
        return max((one.position or 0 for one in self._visible()), default=0)

    async def plan(self, wanted: EventSlice, target: ReplayTarget) -> ReplayPlan:
        end = await self.end()
        chosen = [one for one in self._ordered() if (one.position or 0) <= end and _replayed(wanted, one)]
        partitions = Counter((one.topic, one.partition) for one in chosen)
        times = [one.record_time for one in chosen]
        return ReplayPlan(
            target, len(chosen), end, min(times, default=None), max(times, default=None),
            partitions=tuple(PartitionCount(topic, partition, count)
                             for (topic, partition), count in sorted(partitions.items())),
            by_type=dict(sorted(Counter(one.event_type for one in chosen).items())),
            by_la=dict(sorted(Counter(one.la_code or "none" for one in chosen).items())),
        )  # fmt: skip

    async def batch(
        self, wanted: EventSlice, *, after: int, up_to: int, limit: int, shard: Shard = WHOLE
    ) -> ReplayBatch:
        within = [one for one in self._ordered() if after < (one.position or 0) <= up_to]
        if shard.count > 1:  # among the slice's next limit x count records, dead letters too, as the SQL reads it
            bound = [one.position or 0 for one in within if wanted.matches(one.summary())][: limit * shard.count]
            up_to = bound[-1] if len(bound) == limit * shard.count else up_to
            within = [one for one in within
                      if (one.position or 0) <= up_to and shard.holds(one.key, one.topic, one.partition)]  # fmt: skip
        records = [one.record() for one in within if _replayed(wanted, one)][:limit]
        return ReplayBatch(records, records[-1].position if len(records) == limit else up_to)

    def _letter(self, event: ArchivedEvent) -> DeadLetter:
        position = event.position or 0
        return DeadLetter(event, self.redriven.get(position) or self._store.redriven.get(position))

    async def dead_letters(
        self, wanted: EventSlice, *, group: str | None, after: int | None, limit: int, for_update: bool = False
    ) -> list[DeadLetter]:
        return [self._letter(one) for one in self._ordered()
                if one.is_dead_letter and wanted.matches(one.summary())
                and (group is None or one.topic == dead_letter_topic(group))
                and (after is None or (one.position or 0) > after)][:limit]  # fmt: skip

    async def dead_letter(self, position: int, *, for_update: bool = False) -> DeadLetter | None:
        found = next((one for one in self._visible() if one.position == position and one.is_dead_letter), None)
        return None if found is None else self._letter(found)

    async def mark_redriven(self, positions: Sequence[int], redriven: Redriven) -> None:
        self.redriven.update(dict.fromkeys(positions, redriven))


class FakeAuditLog:
    def __init__(self, store: FakeHistoryStore) -> None:
        self._store = store
        self.recorded: list[AuditEntry] = []

    async def record(self, entry: AuditEntry) -> None:
        self.recorded.append(entry)

    async def entries(self, *, since: datetime | None, limit: int) -> list[AuditEntry]:
        return [entry for entry in self._store.audit if since is None or entry.at >= since][:limit]


class FakeEventHistoryUnitOfWork(EventHistoryUnitOfWork):
    archive: FakeArchive
    audit: FakeAuditLog
    replays: FakeReplays

    def __init__(self, store: FakeHistoryStore) -> None:
        super().__init__()
        self.store = store

    async def _begin(self) -> None:
        self.archive = FakeArchive(self.store)
        self.audit = FakeAuditLog(self.store)
        self.replays = FakeReplays(self.store.replays, self.store.held)

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        assert not events and not messages, "the event history publishes nothing"

    async def _commit(self) -> None:
        store = self.store
        for key in self.archive.pruned:
            del store.events[key]
        for event in self.archive.added:
            store.events[(event.event_id, event.topic)] = replace(event, position=store.next_position)
            store.next_position += 1
        for number, entry in enumerate(self.audit.recorded, start=len(store.audit) + 1):
            store.audit.append(replace(entry, audit_id=number))
        store.redriven.update(self.archive.redriven)
        self.replays.apply(store.replays)
        store.commits += 1
        self.replays.release()
        await self._begin()

    async def _rollback(self) -> None:
        self.replays.release()
        await self._begin()

    async def _close(self) -> None:
        self.replays.release()


def _replayed(wanted: EventSlice, event: ArchivedEvent) -> bool:
    """As the SQL reads a replay's slice: dead-letter copies only when their topic is asked for."""
    return wanted.matches(event.summary()) and (wanted.topic is not None or not event.is_dead_letter)
