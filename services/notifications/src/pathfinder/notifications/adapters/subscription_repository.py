"""Storing LA subscriptions and their deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.notifications.adapters.subscription_tables import (
    la_acknowledgement,
    la_delivery,
    la_delivery_receipt,
    la_subscription,
)
from pathfinder.notifications.domain.subscription import Channel, LaSubscription, SubscriptionStatus
from pathfinder.notifications.domain.subscription_delivery import DeliveryState
from sqlalchemy import Row, and_, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

# The oldest due delivery of a child that has no earlier one still pending, on a subscription that is not
# paused: one child's events go out one at a time, in order, while other children's go out beside them.
_CLAIM_DUE = text(
    """
    SELECT d.id FROM la_delivery d JOIN la_subscription s ON s.id = d.subscription_id
    WHERE d.state = 'pending' AND d.next_attempt_at <= :now AND s.status = 'active' AND s.channel <> 'kafka'
      AND NOT EXISTS (
          SELECT 1 FROM la_delivery e
          WHERE e.subscription_id = d.subscription_id AND e.subject = d.subject
            AND e.state = 'pending' AND e.id < d.id
      )
    ORDER BY d.next_attempt_at, d.id
    LIMIT 1
    FOR UPDATE OF d SKIP LOCKED
    """
)


@dataclass(frozen=True)
class NewDelivery:
    subscription_id: UUID
    event_id: UUID
    event_type: str
    subject: str
    event_time: datetime
    headers: list[list[str]]
    payload: bytes
    state: DeliveryState
    delivered_at: datetime | None = None


def _values(subscription: LaSubscription) -> dict[str, Any]:
    return {
        "la_code": subscription.la_code,
        "channel": subscription.channel.value,
        "event_types": sorted(subscription.event_types),
        "status": subscription.status.value,
        "endpoint": subscription.endpoint,
        "allowed_hosts": sorted(subscription.allowed_hosts),
        "secrets": list(subscription.secrets),
        "headers": subscription.headers,
        "heartbeat_seconds": subscription.heartbeat_seconds,
    }


def _subscription(row: Row[Any]) -> LaSubscription:
    return LaSubscription(
        id=row.id,
        la_code=row.la_code,
        channel=Channel(row.channel),
        event_types=frozenset(row.event_types),
        created_at=row.created_at,
        status=SubscriptionStatus(row.status),
        endpoint=row.endpoint,
        allowed_hosts=frozenset(row.allowed_hosts),
        secrets=tuple(row.secrets),
        headers=dict(row.headers),
        heartbeat_seconds=row.heartbeat_seconds,
        events_since_start=row.events_since_start,
    )


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, subscription: LaSubscription) -> None:
        await self._session.execute(
            insert(la_subscription).values(
                id=subscription.id, created_at=subscription.created_at, **_values(subscription)
            )
        )

    async def save(self, subscription: LaSubscription, now: datetime) -> None:
        await self._session.execute(
            update(la_subscription)
            .where(la_subscription.c.id == subscription.id)
            .values(updated_at=now, **_values(subscription))
        )

    async def get(self, subscription_id: UUID, *, lock: bool = False) -> LaSubscription | None:
        query = select(la_subscription).where(la_subscription.c.id == subscription_id)
        row = (await self._session.execute(query.with_for_update() if lock else query)).one_or_none()
        return _subscription(row) if row is not None else None

    async def of_la(self, la_code: str) -> list[LaSubscription]:
        query = (
            select(la_subscription).where(la_subscription.c.la_code == la_code).order_by(la_subscription.c.created_at)
        )
        return [_subscription(row) for row in await self._session.execute(query)]

    async def remove(self, subscription_id: UUID) -> None:
        await self._session.execute(delete(la_subscription).where(la_subscription.c.id == subscription_id))

    async def kafka_la_codes(self) -> list[str]:
        query = select(la_subscription.c.la_code).where(la_subscription.c.channel == Channel.KAFKA.value).distinct()
        return sorted(await self._session.scalars(query))

    async def pause(self, subscription_id: UUID, now: datetime) -> None:
        await self._session.execute(
            update(la_subscription)
            .where(la_subscription.c.id == subscription_id)
            .values(status=SubscriptionStatus.PAUSED.value, paused_at=now, updated_at=now)
        )

    async def resume(self, subscription_id: UUID, now: datetime) -> None:
        await self._session.execute(
            update(la_subscription)
            .where(la_subscription.c.id == subscription_id)
            .values(status=SubscriptionStatus.ACTIVE.value, paused_at=None, updated_at=now)
        )

    async def mark_sent(self, subscription_id: UUID, now: datetime) -> None:
        await self._session.execute(
            update(la_subscription).where(la_subscription.c.id == subscription_id).values(last_sent_at=now)
        )

    async def add_delivery(self, delivery: NewDelivery, *, numbered: bool) -> int | None:
        """The delivery's id, or None if the event was already delivered on this subscription. A numbered
        delivery takes the subscription's next event number in this transaction, so numbers have no gaps."""
        statement = (
            pg_insert(la_delivery)
            .values(
                subscription_id=delivery.subscription_id,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                subject=delivery.subject,
                event_time=delivery.event_time,
                headers=delivery.headers,
                payload=delivery.payload,
                state=delivery.state.value,
                delivered_at=delivery.delivered_at,
            )
            .on_conflict_do_nothing(constraint="la_delivery_once")
            .returning(la_delivery.c.id)
        )
        delivery_id: int | None = (await self._session.execute(statement)).scalar_one_or_none()
        if delivery_id is None or not numbered:
            return delivery_id
        number = (
            await self._session.execute(
                update(la_subscription)
                .where(la_subscription.c.id == delivery.subscription_id)
                .values(events_since_start=la_subscription.c.events_since_start + 1)
                .returning(la_subscription.c.events_since_start)
            )
        ).scalar_one()
        await self._session.execute(
            update(la_delivery).where(la_delivery.c.id == delivery_id).values(event_number=number)
        )
        return delivery_id

    async def claim_due(self, now: datetime) -> Row[Any] | None:
        claimed = (await self._session.execute(_CLAIM_DUE, {"now": now})).scalar_one_or_none()
        if claimed is None:
            return None
        return (await self._session.execute(select(la_delivery).where(la_delivery.c.id == claimed))).one()

    async def record_attempt(self, delivery_id: int, **values: Any) -> None:
        await self._session.execute(
            update(la_delivery)
            .where(la_delivery.c.id == delivery_id)
            .values(attempts=la_delivery.c.attempts + 1, **values)
        )

    async def deliveries(
        self,
        subscription_id: UUID,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        numbers: tuple[int, int] | None = None,
        limit: int = 1000,
    ) -> Sequence[Row[Any]]:
        conditions = [la_delivery.c.subscription_id == subscription_id]
        if since is not None:
            conditions.append(la_delivery.c.created_at >= since)
        if until is not None:
            conditions.append(la_delivery.c.created_at < until)
        if numbers is not None:
            conditions.append(la_delivery.c.event_number.between(*numbers))
        order = la_delivery.c.event_number if numbers is not None else la_delivery.c.id
        query = select(la_delivery).where(and_(*conditions)).order_by(order).limit(limit)
        return (await self._session.execute(query)).all()

    async def requeue(self, subscription_id: UUID, since: datetime, until: datetime, now: datetime) -> list[int]:
        statement = (
            update(la_delivery)
            .where(
                la_delivery.c.subscription_id == subscription_id,
                la_delivery.c.created_at >= since,
                la_delivery.c.created_at < until,
            )
            .values(state=DeliveryState.PENDING.value, attempts=0, next_attempt_at=now, last_error=None)
            .returning(la_delivery.c.id)
        )
        return sorted(await self._session.scalars(statement))

    async def count_pending(self, subscription_id: UUID) -> int:
        query = select(func.count()).where(
            la_delivery.c.subscription_id == subscription_id, la_delivery.c.state == DeliveryState.PENDING.value
        )
        return int((await self._session.execute(query)).scalar_one())

    async def first_receipt(self, notification_id: UUID, subscription_id: UUID, now: datetime) -> bool:
        """True the first time a notification is recorded as delivered on a subscription."""
        statement = (
            pg_insert(la_delivery_receipt)
            .values(notification_id=notification_id, subscription_id=subscription_id, delivered_at=now)
            .on_conflict_do_nothing()
            .returning(la_delivery_receipt.c.notification_id)
        )
        return (await self._session.execute(statement)).scalar_one_or_none() is not None

    async def acknowledge(
        self, notification_id: UUID, la_code: str, la_reference: str | None, now: datetime
    ) -> tuple[Row[Any], bool]:
        """The acknowledgement, and whether this call made it (a repeated acknowledgement changes nothing)."""
        statement = (
            pg_insert(la_acknowledgement)
            .values(notification_id=notification_id, la_code=la_code, la_reference=la_reference, acknowledged_at=now)
            .on_conflict_do_nothing()
            .returning(la_acknowledgement)
        )
        made = (await self._session.execute(statement)).one_or_none()
        if made is not None:
            return made, True
        query = select(la_acknowledgement).where(la_acknowledgement.c.notification_id == notification_id)
        return (await self._session.execute(query)).one(), False

    async def due_heartbeats(self, now: datetime) -> list[LaSubscription]:
        query = (
            select(la_subscription)
            .where(
                la_subscription.c.channel == Channel.FHIR_REST_HOOK.value,
                la_subscription.c.status == SubscriptionStatus.ACTIVE.value,
                la_subscription.c.heartbeat_seconds.is_not(None),
                func.coalesce(la_subscription.c.last_sent_at, la_subscription.c.created_at)
                + func.make_interval(0, 0, 0, 0, 0, 0, la_subscription.c.heartbeat_seconds)
                <= now,
            )
            .with_for_update(skip_locked=True)
            .limit(20)
        )
        return [_subscription(row) for row in await self._session.execute(query)]
