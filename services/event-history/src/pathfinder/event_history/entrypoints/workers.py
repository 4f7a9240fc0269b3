"""The event-history worker's loops: the archive's ingest, the retention's pruning and the replays' sending."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pathfinder.event_history.domain.retention import RetentionPolicy
from pathfinder.event_history.service_layer.ingest import archive_next_batch
from pathfinder.event_history.service_layer.ports import ArchiveFeed, ReplaySender
from pathfinder.event_history.service_layer.replays import send_next_batch
from pathfinder.event_history.service_layer.retention import prune_expired
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork
from pathfinder.messaging.workers import Worker, keep_stepping, repeating, wait_or_stop

log = logging.getLogger(__name__)


def archive_ingest(feed: ArchiveFeed, unit_of_work: Callable[[], EventHistoryUnitOfWork]) -> Worker:
    async def step() -> int:
        return await archive_next_batch(feed, unit_of_work())  # the feed's poll waits while there is nothing

    async def run(stop: asyncio.Event) -> None:
        try:
            await keep_stepping(
                stop, step, name="archive ingest", idle_seconds=0, after_failure=feed.close, failure_pause_seconds=1.0
            )
        finally:
            await feed.close()

    return run


def retention_prune(
    policy: RetentionPolicy, unit_of_work: Callable[[], EventHistoryUnitOfWork], *, chunk: int, interval_seconds: float
) -> Worker:
    async def step() -> int:
        pruned = await prune_expired(policy, now=datetime.now(UTC), chunk=chunk, unit_of_work=unit_of_work)
        if pruned:
            log.info("%d archived record(s) past their topic's retention pruned", pruned)
        return pruned

    return repeating("archive retention", step, idle_seconds=interval_seconds)


def replay_sending(
    sender: ReplaySender, unit_of_work: Callable[[], EventHistoryUnitOfWork], *, batch_size: int,
    idle_seconds: float, close: Callable[[], Awaitable[None]] | None = None,
) -> Worker:  # fmt: skip
    """Sends the running replays a batch at a time, each at its rate; asked to stop, it stops between batches (a
    replay's cursor is committed with each batch, so the next worker carries on after it)."""

    async def run(stop: asyncio.Event) -> None:
        async def step() -> int:
            sent, wait = await send_next_batch(unit_of_work(), sender, batch_size=batch_size, now=_now)
            if wait > 0:
                await wait_or_stop(stop, wait)
            return sent

        try:
            await keep_stepping(stop, step, name="replays", idle_seconds=idle_seconds, after_failure=close,
                                failure_pause_seconds=1.0)  # fmt: skip
        finally:
            if close is not None:
                await close()

    return run


def _now() -> datetime:
    return datetime.now(UTC)
