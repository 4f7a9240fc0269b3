"""The inbox: which events a consumer has already applied, written in the transaction of the effect.

An event is claimed *before* its handler runs (INSERT ... ON CONFLICT DO NOTHING): if two members of a group
ever process the same event at once (a rebalance), the second waits on the first's row lock and then finds
the event taken, so the effect is applied once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from pathfinder.messaging.schema import consumer_failure, inbox
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

PROCESSED = "processed"
DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class InboxEntry:
    event_id: UUID
    event_type: str
    topic: str
    partition: int
    offset: int


async def claim(session: AsyncSession, consumer: str, entries: Sequence[InboxEntry], outcome: str) -> set[UUID]:
    """Record the entries as handled by ``consumer``; returns the ids that were not recorded before."""
    if not entries:
        return set()
    statement = (
        insert(inbox)
        .values(
            [
                {
                    "consumer": consumer,
                    "event_id": entry.event_id,
                    "event_type": entry.event_type,
                    "outcome": outcome,
                    "topic": entry.topic,
                    "partition": entry.partition,
                    "offset": entry.offset,
                }
                for entry in entries
            ]
        )
        .on_conflict_do_nothing(index_elements=[inbox.c.consumer, inbox.c.event_id])
        .returning(inbox.c.event_id)
    )
    return set((await session.execute(statement)).scalars())


async def record_failure(engine: AsyncEngine, consumer: str, event_id: UUID, error: str) -> int:
    """Count a failed attempt in its own transaction (the handler's was rolled back); returns attempts so far."""
    attempt = insert(consumer_failure).values(consumer=consumer, event_id=event_id, attempts=1, last_error=error[:2000])
    statement = attempt.on_conflict_do_update(
        index_elements=[consumer_failure.c.consumer, consumer_failure.c.event_id],
        set_={
            "attempts": consumer_failure.c.attempts + 1,
            "last_error": attempt.excluded.last_error,
            "last_failed_at": func.now(),
        },
    ).returning(consumer_failure.c.attempts)
    async with engine.begin() as connection:
        attempts: int = (await connection.execute(statement)).scalar_one()
    return attempts


async def previous_failures(engine: AsyncEngine, consumer: str, event_id: UUID) -> int:
    async with engine.connect() as connection:
        result = await connection.execute(
            consumer_failure.select()
            .with_only_columns(consumer_failure.c.attempts)
            .where(consumer_failure.c.consumer == consumer, consumer_failure.c.event_id == event_id)
        )
        attempts: int | None = result.scalar_one_or_none()
    return attempts or 0


async def last_error(engine: AsyncEngine, consumer: str, event_id: UUID) -> str:
    async with engine.connect() as connection:
        result = await connection.execute(
            consumer_failure.select()
            .with_only_columns(consumer_failure.c.last_error)
            .where(consumer_failure.c.consumer == consumer, consumer_failure.c.event_id == event_id)
        )
        error: str | None = result.scalar_one_or_none()
    return error or "handler failed"
