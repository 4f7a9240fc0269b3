"""Replays: counting a slice first (the dry run, which changes nothing), asking for a replay, pausing, resuming
and cancelling it, and the worker's step that sends its next batch. Every call is audited (``auditing``).

Who may replay what: the platform's engineers, any slice to any target; an LA's client with ``events:replay``,
its own LA's events to one of its subscriptions (notifications delivers each only if the event is that LA's).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from pathfinder.contracts.consumers import declared_consumer_contracts
from pathfinder.event_history.domain.access import is_engineer, visible_slice
from pathfinder.event_history.domain.event_slice import EventSlice, SliceQuery
from pathfinder.event_history.domain.refusals import NotAllowed, ReplayNotFound
from pathfinder.event_history.domain.replay import InvalidReplay, Replay, ReplayTarget, TargetKind
from pathfinder.event_history.domain.replay_plan import ReplayPlan
from pathfinder.event_history.domain.replay_request import TargetQuery
from pathfinder.event_history.service_layer.ports import ConsumerGroups, ReplaySender
from pathfinder.event_history.service_layer.reading import Call, audited
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork

LA_TARGETS = (TargetKind.SUBSCRIPTION,)
Wanted = EventSlice | SliceQuery  # a slice, or its text as asked (read, and refused, inside the audited call)
Aimed = ReplayTarget | TargetQuery


def _asked(wanted: Wanted, target: Aimed) -> dict[str, Any]:
    return {"slice": wanted.as_json(),
            "target": target.describe() if isinstance(target, ReplayTarget) else target.as_json()}  # fmt: skip


def _replayable(call: Call, asked: Wanted, aimed: Aimed) -> tuple[EventSlice, ReplayTarget]:
    wanted = asked if isinstance(asked, EventSlice) else asked.read()[0]
    target = aimed if isinstance(aimed, ReplayTarget) else aimed.read()
    readable = visible_slice(call.principal, wanted)
    if not is_engineer(call.principal) and target.kind not in LA_TARGETS:
        raise NotAllowed("An LA replays its own events to one of its subscriptions only (--to-subscription).")
    target.check(readable)
    return readable, target


def group_topics(target: ReplayTarget, wanted: EventSlice) -> list[str]:
    """The topics a consumer group is rewound on: the slice's topic, or every topic the group reads."""
    if wanted.topic is not None:
        return [wanted.topic]
    topics = sorted({topic for contract in declared_consumer_contracts() if contract.group == target.group
                     for topic in contract.topics()})  # fmt: skip
    if not topics:
        raise InvalidReplay(f"No platform consumer group is called {target.group}: give --topic to rewind it on.")
    return topics


async def plan_replay(
    call: Call, wanted: Wanted, aimed: Aimed, *, uow: EventHistoryUnitOfWork, groups: ConsumerGroups
) -> ReplayPlan:
    """What the replay would send (or, for a consumer group, where its offsets would be set). Sends nothing."""
    asked = _asked(wanted, aimed)

    async def work() -> tuple[ReplayPlan, Mapping[str, Any]]:
        readable, target = _replayable(call, wanted, aimed)
        plan = await uow.archive.plan(readable, target)
        if target.kind is TargetKind.CONSUMER_GROUP:
            assert readable.since is not None  # target.check
            offsets = await groups.offsets_at(group_topics(target, readable), readable.since)
            plan = plan.with_offsets(offsets)
        return plan, {"slice": readable.as_json(), "target": target.describe(), "events": plan.events}

    return await audited(call, "replays.dry-run", asked, uow, work)


async def start_replay(
    call: Call, wanted: Wanted, aimed: Aimed, *, rate: int, uow: EventHistoryUnitOfWork,
    groups: ConsumerGroups, new_id: Callable[[], UUID] = uuid4, shards: int = 1,
) -> Replay:  # fmt: skip
    """A replay row, split into ``shards`` by partition key and sent by the worker's lanes from now on; a consumer
    group is rewound at once."""
    asked = {**_asked(wanted, aimed), "rate": rate}

    async def work() -> tuple[Replay, Mapping[str, Any]]:
        readable, target = _replayable(call, wanted, aimed)
        plan = await uow.archive.plan(readable, target)
        if target.kind is TargetKind.CONSUMER_GROUP:
            assert readable.since is not None  # target.check
            plan = plan.with_offsets(await groups.offsets_at(group_topics(target, readable), readable.since))
        replay = Replay.ask(
            new_id(), readable, target, rate=rate, requested_by=call.principal.subject,
            organisation=call.principal.organisation, reason=call.reason or "", total=plan.events,
            last_position=plan.last_position, now=call.at, shards=shards,
        )  # fmt: skip
        if target.kind is TargetKind.CONSUMER_GROUP:
            assert target.group is not None and readable.since is not None
            offsets = await groups.rewind(target.group, group_topics(target, readable), readable.since)
            rewound = tuple((one.topic, one.partition, one.offset or 0) for one in offsets)
            replay = replay.rewound(rewound, now=call.at)
        await uow.replays.add(replay)
        read = {"slice": readable.as_json(), "target": target.describe(), "rate": rate, "events": plan.events,
                "replay_id": str(replay.replay_id)}  # fmt: skip
        return replay, read

    return await audited(call, "replays.start", asked, uow, work)


async def read_replay(call: Call, replay_id: str, *, uow: EventHistoryUnitOfWork) -> Replay:
    async def work() -> tuple[Replay, Mapping[str, Any]]:
        replay = await _own_replay(call, replay_id, uow, for_update=False)
        return replay, {"replay_id": str(replay.replay_id)}

    return await audited(call, "replays.read", {"replay_id": replay_id[:100]}, uow, work)


async def list_replays(call: Call, *, uow: EventHistoryUnitOfWork, limit: int = 100) -> list[Replay]:
    async def work() -> tuple[list[Replay], Mapping[str, Any]]:
        organisation = None if is_engineer(call.principal) else call.principal.organisation
        visible_slice(call.principal, EventSlice())  # refuses anyone who may read no event
        return await uow.replays.recent(organisation=organisation, limit=limit), {"limit": limit}

    return await audited(call, "replays.list", {}, uow, work)


async def change_replay(call: Call, replay_id: str, change: str, *, uow: EventHistoryUnitOfWork) -> Replay:
    """``pause``, ``resume`` or ``cancel`` a replay the caller's organisation asked for (an engineer: any)."""

    async def work() -> tuple[Replay, Mapping[str, Any]]:
        replay = await _own_replay(call, replay_id, uow, for_update=True)
        changed = {"pause": replay.paused, "resume": replay.resumed, "cancel": replay.cancelled}[change](now=call.at)
        await uow.replays.save(changed)
        return changed, {"replay_id": str(replay.replay_id)}

    return await audited(call, f"replays.{change}", {"replay_id": replay_id[:100]}, uow, work)


async def _own_replay(call: Call, replay_id: str, uow: EventHistoryUnitOfWork, *, for_update: bool) -> Replay:
    visible_slice(call.principal, EventSlice())
    try:
        wanted = UUID(replay_id)
    except ValueError:
        raise ReplayNotFound() from None
    replay = await uow.replays.get(wanted, for_update=for_update)
    if replay is None or not (is_engineer(call.principal) or replay.organisation == call.principal.organisation):
        raise ReplayNotFound()
    return replay


async def send_next_batch(
    uow: EventHistoryUnitOfWork, sender: ReplaySender, *, batch_size: int, now: Callable[[], datetime]
) -> tuple[int, float]:
    """One batch of one shard of a running replay: read after the shard's cursor, send, and once the broker has
    acknowledged it, move the shard's cursor in the same transaction that holds the shard's row. Answers (events
    sent, seconds the shard's share of the rate asks the worker to wait before its next batch); (0, 0) when no
    shard is waiting."""
    started = time.monotonic()
    async with uow:
        claimed = await uow.replays.claim_shard()
        if claimed is None:
            return 0, 0.0
        replay, index = claimed
        share = replay.rate_of(index)
        batch = await uow.archive.batch(
            replay.chosen, after=replay.shards[index].cursor, up_to=replay.last_position,
            limit=max(1, min(batch_size, share)), shard=replay.shard(index),
        )  # fmt: skip
        if batch:
            await sender.send(batch, replay.target, replay.replay_id)
        progress = replay.advanced(batch.through, len(batch), now=now(), shard=index).shards[index]
        await uow.replays.save_shard(replay.replay_id, progress)
        if progress.done:
            # Whether the replay is done is judged on its row as it is now, locked: another lane may have finished
            # its shard meanwhile, or an engineer paused or cancelled it.
            current = await uow.replays.get(replay.replay_id, for_update=True)
            if current is not None:
                await uow.replays.save(current.with_shard(progress, now=now()))
        await uow.commit()
    return len(batch), max(0.0, len(batch) / share - (time.monotonic() - started))
