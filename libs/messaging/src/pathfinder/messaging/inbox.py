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
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

PROCESSED = "processed"
DEAD_LETTERED = "dead_lettered"
# The entries as arrays, unnested: one statement text for every batch size, so it is compiled and prepared once
# (a multi-row VALUES list is a new statement for each number of rows).
_CLAIM = text(
    """
    INSERT INTO inbox (consumer, event_id, event_type, outcome, topic, partition, "offset")
    SELECT :consumer, entry.event_id, entry.event_type, :outcome, entry.topic, entry.partition, entry.offset
    FROM unnest(
        CAST(:event_ids AS uuid[]), CAST(:event_types AS text[]), CAST(:topics AS text[]),
        CAST(:partitions AS integer[]), CAST(:offsets AS bigint[])
    ) AS entry(event_id, event_type, topic, partition, "offset")
    ON CONFLICT (consumer, event_id) DO NOTHING
    RETURNING event_id
    """
)


@dataclass(frozen=True, slots=True)
class InboxEntry:
    event_id: UUID  # what the consumer knows the event by: its id, unless the subscription keys it otherwise
    event_type: str
    topic: str
    partition: int
    offset: int


async def claim(session: AsyncSession, consumer: str, entries: Sequence[InboxEntry], outcome: str) -> set[UUID]:
    """Record the entries as handled by ``consumer``; returns the ids that were not recorded before."""
    if not entries:
        return set()
    columns = {
        "event_ids": [entry.event_id for entry in entries],
        "event_types": [entry.event_type for entry in entries],
        "topics": [entry.topic for entry in entries],
        "partitions": [entry.partition for entry in entries],
        "offsets": [entry.offset for entry in entries],
    }
    found = await session.execute(_CLAIM, {"consumer": consumer, "outcome": outcome, **columns})
    return set(found.scalars())


async def dead_lettered(session: AsyncSession, consumer: str, event_id: UUID) -> InboxEntry | None:
    """Where ``consumer`` read the event it dead-lettered, its row locked until the transaction ends (so two
    redrives of one event are applied one after the other); None when it never dead-lettered the event, or has
    applied it since."""
    row = (
        await session.execute(
            select(inbox)
            .where(inbox.c.consumer == consumer, inbox.c.event_id == event_id, inbox.c.outcome == DEAD_LETTERED)
            .with_for_update()
        )
    ).one_or_none()
    if row is None:
        return None
    return InboxEntry(
        event_id=row.event_id, event_type=row.event_type, topic=row.topic, partition=row.partition, offset=row.offset
    )


async def mark_applied(session: AsyncSession, consumer: str, event_id: UUID) -> None:
    """A dead-lettered event applied after all, in the transaction of its effect."""
    await session.execute(
        update(inbox)
        .where(inbox.c.consumer == consumer, inbox.c.event_id == event_id)
        .values(outcome=PROCESSED, processed_at=func.now())
    )


def failure_text(error: BaseException) -> str:
    """What a failed attempt is recorded as: the exception's type and message."""
    return f"{type(error).__name__}: {error}"[:2000]


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
