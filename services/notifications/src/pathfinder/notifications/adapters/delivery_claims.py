"""Which due delivery a dispatcher claims next: the dispatcher's lanes shared fairly between LAs and endpoints.

A claimable delivery is due, pending, the earliest pending one of its child on its subscription (one child's
events go out one at a time, in order), on an active subscription other than Kafka (webhook, rest-hook, MESH)
with nothing in flight (one attempt at a time per endpoint), of an LA with fewer than ``per_la`` in flight. The LA
claimed from longest ago goes first, then its endpoint claimed from longest ago, then the oldest due delivery. So
an LA whose endpoints hang holds at most ``per_la`` lanes, and the other LAs take turns on the rest.

The limits are counted from the subscriptions' ``sending_until``, so they hold across every dispatcher of every
replica: a claim for an LA runs under a transaction-level advisory lock of that LA, taken before the claim's
snapshot, so it sees every claim for the LA that committed before it; an LA whose lock another dispatcher holds
is skipped (as ``SKIP LOCKED`` skips a row), and the delivery and its subscription are locked as before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The first key of the LA's advisory lock (the second is hashtext of its code): "LACLAIM".
_LOCK_CLASS = 0x4C41_434C

# Where to look first: LAs with a due delivery on an endpoint with nothing in flight, under their share, in turn
# (LAs never claimed for first, then by their oldest due delivery).
_LAS_IN_TURN = text(
    """
    WITH la AS (
        SELECT la_code, max(last_claimed_at) AS last_claimed_at,
               count(*) FILTER (WHERE sending_until > :now) AS sending
        FROM la_subscription GROUP BY la_code
    ), due AS (
        SELECT s.la_code, min(d.next_attempt_at) AS oldest
        FROM la_delivery d JOIN la_subscription s ON s.id = d.subscription_id
        WHERE d.state = 'pending' AND d.next_attempt_at <= :now AND s.status = 'active' AND s.channel <> 'kafka'
          AND (s.sending_until IS NULL OR s.sending_until <= :now)
        GROUP BY s.la_code
    )
    SELECT due.la_code FROM due JOIN la ON la.la_code = due.la_code
    WHERE la.sending < :per_la
    ORDER BY la.last_claimed_at NULLS FIRST, due.oldest, due.la_code
    """
)

_LOCK_LA = text("SELECT pg_try_advisory_xact_lock(:lock_class, hashtext(:la_code))")

_CLAIM_OF_LA = text(
    """
    SELECT d.id FROM la_delivery d JOIN la_subscription s ON s.id = d.subscription_id
    WHERE s.la_code = :la_code AND s.status = 'active' AND s.channel <> 'kafka'
      AND (s.sending_until IS NULL OR s.sending_until <= :now)
      AND d.state = 'pending' AND d.next_attempt_at <= :now
      AND (SELECT count(*) FROM la_subscription x WHERE x.la_code = :la_code AND x.sending_until > :now) < :per_la
      AND NOT EXISTS (
          SELECT 1 FROM la_delivery e
          WHERE e.subscription_id = d.subscription_id AND e.subject = d.subject
            AND e.state = 'pending' AND e.id < d.id
      )
    ORDER BY s.last_claimed_at NULLS FIRST, d.next_attempt_at, d.id
    LIMIT 1
    FOR UPDATE OF d, s SKIP LOCKED
    """
)


async def claim_due(session: AsyncSession, now: datetime, *, per_la: int) -> int | None:
    """The id of the delivery to send next, locked with its subscription; None when none may go now. The caller
    records the claim on the subscription (``sending_until``, ``last_claimed_at``) in the same transaction."""
    candidates = list(await session.scalars(_LAS_IN_TURN, {"now": now, "per_la": per_la}))
    for la_code in candidates:
        if not await session.scalar(_LOCK_LA, {"lock_class": _LOCK_CLASS, "la_code": la_code}):
            continue  # another dispatcher is claiming for this LA right now
        found = await session.scalar(_CLAIM_OF_LA, {"now": now, "per_la": per_la, "la_code": la_code})
        if found is not None:
            return int(found)
    return None
