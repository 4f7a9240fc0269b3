"""Pruning what the retention policy no longer keeps, a chunk of each pruned topic per transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pathfinder.event_history.domain.retention import RetentionPolicy
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork


async def prune_expired(
    policy: RetentionPolicy, *, now: datetime, chunk: int, unit_of_work: Callable[[], EventHistoryUnitOfWork]
) -> int:
    """Up to ``chunk`` expired records of each topic that is pruned; how many went (call again while any do)."""
    pruned = 0
    for topic, cutoff in policy.cutoffs(now).items():
        async with unit_of_work() as uow:
            pruned += await uow.archive.prune(topic, before=cutoff, limit=chunk)
            await uow.commit()
    return pruned
