"""Storing LA subscriptions and the deliveries they own, with their secrets sealed."""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.messaging.outbox_message import encode_headers
from pathfinder.notifications.adapters.delivery_claims import claim_due
from pathfinder.notifications.adapters.la_delivery_rows import delivery_of, delivery_progress
from pathfinder.notifications.adapters.subscription_secrets import SubscriptionSecrets, sealed_values
from pathfinder.notifications.adapters.tables import la_delivery, la_subscription
from pathfinder.notifications.domain.la_delivery import MESH_ACKNOWLEDGED, MESH_UNDELIVERABLE, LaDelivery
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, MeshContent, SubscriptionStatus
from pathfinder.notifications.domain.sealed import Sealed
from sqlalchemy import Row, Select, and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)


class SqlLaSubscriptions:
    """``secrets`` seals new webhook secrets and header values; only writing them needs it."""

    def __init__(self, session: AsyncSession, secrets: SubscriptionSecrets | None = None) -> None:
        self._session = session
        self._secrets = secrets
        self.seen: list[LaSubscription] = []
        # Rows this transaction locked, one object each: a consumer's batch delivers many events to one LA's
        # subscriptions, and loading them again for every event was a tenth of the worker's time.
        self._held: dict[UUID, LaSubscription] = {}
        self._every_one_held: set[str] = set()  # LAs all of whose subscriptions are in ``_held``

    async def add(self, subscription: LaSubscription) -> bool:
        statement = (
            insert(la_subscription)
            .values(id=subscription.id, created_at=subscription.created_at, **self._values(subscription))
            .on_conflict_do_nothing(index_elements=["la_code"], index_where=text("channel = 'kafka'"))
            .returning(la_subscription.c.id)
        )
        added = (await self._session.execute(statement)).scalar_one_or_none() is not None
        if added:
            self.seen.append(subscription)
            self._every_one_held.discard(subscription.la_code)
        return added

    async def get(self, subscription_id: UUID, *, lock: bool = False) -> LaSubscription | None:
        if lock and subscription_id in self._held:
            return self._held[subscription_id]
        query = select(la_subscription).where(la_subscription.c.id == subscription_id)
        found = await self._load(query.with_for_update() if lock else query)
        if lock:
            found = self._hold(found)
        return found[0] if found else None

    async def of_la(self, la_code: str, *, lock: bool = False) -> list[LaSubscription]:
        if lock and la_code in self._every_one_held:
            held = [subscription for subscription in self._held.values() if subscription.la_code == la_code]
            return sorted(held, key=lambda subscription: (subscription.created_at, subscription.id))
        query = select(la_subscription).where(la_subscription.c.la_code == la_code)
        query = query.order_by(la_subscription.c.created_at, la_subscription.c.id)
        if not lock:
            return await self._load(query)
        found = self._hold(await self._load(query.with_for_update()))
        self._every_one_held.add(la_code)
        return found

    def _hold(self, locked: list[LaSubscription]) -> list[LaSubscription]:
        """The object already held for each locked row, which may carry changes not yet saved, else the one
        just loaded."""
        return [self._held.setdefault(subscription.id, subscription) for subscription in locked]

    async def save(self, subscription: LaSubscription) -> None:
        if subscription.changed:
            await self._session.execute(
                update(la_subscription)
                .where(la_subscription.c.id == subscription.id)
                .values(
                    updated_at=func.now(),
                    events_since_start=subscription.events_since_start,
                    paused_at=subscription.paused_at,
                    last_sent_at=subscription.last_sent_at,
                    sending_until=subscription.sending_until,
                    last_claimed_at=subscription.last_claimed_at,
                    **self._values(subscription),
                )
            )
            subscription.changed = False
        for delivery in subscription.deliveries:
            if delivery.id is None:
                await self._insert(delivery)
            elif delivery.changed:
                await self._session.execute(
                    update(la_delivery).where(la_delivery.c.id == delivery.id).values(**delivery_progress(delivery))
                )
            delivery.changed = False

    async def remove(self, subscription_id: UUID) -> None:
        await self._session.execute(delete(la_subscription).where(la_subscription.c.id == subscription_id))
        if (removed := self._held.pop(subscription_id, None)) is not None:
            self._every_one_held.discard(removed.la_code)

    async def kafka_la_codes(self) -> list[str]:
        query = select(la_subscription.c.la_code).where(la_subscription.c.channel == Channel.KAFKA.value).distinct()
        return sorted(await self._session.scalars(query))

    async def claim_due_delivery(self, now: datetime, *, per_la: int) -> tuple[LaSubscription, LaDelivery] | None:
        claimed = await claim_due(self._session, now, per_la=per_la)
        if claimed is None:
            return None
        row = (await self._session.execute(select(la_delivery).where(la_delivery.c.id == claimed))).one()
        subscription = await self.get(row.subscription_id)  # locked by the claim
        assert subscription is not None, "a delivery belongs to its subscription (cascading delete)"
        delivery = delivery_of(row)
        subscription.deliveries.append(delivery)
        return subscription, delivery

    async def delivery(self, subscription: LaSubscription, delivery_id: int) -> LaDelivery | None:
        query = select(la_delivery).where(
            la_delivery.c.id == delivery_id, la_delivery.c.subscription_id == subscription.id
        )
        row = (await self._session.execute(query.with_for_update())).one_or_none()
        if row is None:
            return None
        delivery = delivery_of(row)
        subscription.deliveries.append(delivery)
        return delivery

    async def deliveries(
        self,
        subscription: LaSubscription,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        numbers: tuple[int, int] | None = None,
        limit: int = 1000,
    ) -> list[LaDelivery]:
        conditions = [la_delivery.c.subscription_id == subscription.id]
        if since is not None:
            conditions.append(la_delivery.c.created_at >= since)
        if until is not None:
            conditions.append(la_delivery.c.created_at < until)
        if numbers is not None:
            conditions.append(la_delivery.c.event_number.between(*numbers))
        order = la_delivery.c.event_number if numbers is not None else la_delivery.c.id
        query = select(la_delivery).where(and_(*conditions)).order_by(order).limit(limit)
        found = [delivery_of(row) for row in (await self._session.execute(query)).all()]
        subscription.deliveries.extend(found)
        return found

    async def due_heartbeats(self, now: datetime, *, limit: int) -> list[LaSubscription]:
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
            .limit(limit)
        )
        return [found for found in await self._load(query) if found.heartbeat_due(now)]

    async def mesh_deliveries_to_track(
        self, checked_before: datetime, sent_since: datetime, *, limit: int
    ) -> list[tuple[LaSubscription, LaDelivery]]:
        d = la_delivery.c
        query = (
            select(la_delivery)
            .where(
                d.mesh_message_id.is_not(None),
                d.mesh_status.is_distinct_from(MESH_ACKNOWLEDGED),  # as the partial index la_delivery_mesh_tracking
                or_(d.mesh_status.is_(None), d.mesh_status.not_in(sorted(MESH_UNDELIVERABLE))),
                or_(d.mesh_checked_at.is_(None), d.mesh_checked_at < checked_before),
                d.delivered_at >= sent_since,
            )
            .order_by(d.mesh_checked_at.nulls_first(), d.id)
            .limit(limit)
            .with_for_update(of=la_delivery, skip_locked=True)
        )
        deliveries = [delivery_of(row) for row in (await self._session.execute(query)).all()]
        owners = {delivery.subscription_id for delivery in deliveries}
        held = {
            found.id: found
            for found in await self._load(select(la_subscription).where(la_subscription.c.id.in_(owners)))
        }
        for delivery in deliveries:
            held[delivery.subscription_id].deliveries.append(delivery)
        return [(held[delivery.subscription_id], delivery) for delivery in deliveries]

    async def _insert(self, delivery: LaDelivery) -> None:
        event = delivery.event
        # An event once per subscription, and once more per replay of it (partial unique indexes).
        once, replayed = ["subscription_id", "event_id"], "replay_id IS NULL"
        if event.replay_id is not None:
            once, replayed = ["replay_id", *once], "replay_id IS NOT NULL"
        statement = (
            insert(la_delivery)
            .values(
                subscription_id=delivery.subscription_id,
                event_id=event.event_id,
                replay_id=event.replay_id,
                event_type=event.event_type,
                subject=event.subject,
                event_time=event.time,
                event_number=delivery.event_number,
                notification_id=event.notification_id,
                headers=encode_headers(list(event.headers)),
                payload=event.payload,
                created_at=delivery.created_at,
                **delivery_progress(delivery),
            )
            # Unreachable while the consumers' inboxes hold: an event is delivered once per subscription and replay.
            .on_conflict_do_nothing(index_elements=once, index_where=text(replayed))
            .returning(la_delivery.c.id)
        )
        delivery.id = (await self._session.execute(statement)).scalar_one_or_none()

    async def _load(self, query: Select[Any]) -> list[LaSubscription]:
        found = [_subscription(row) for row in await self._session.execute(query)]
        self.seen.extend(found)
        return found

    def _values(self, subscription: LaSubscription) -> dict[str, Any]:
        return {
            "la_code": subscription.la_code,
            "channel": subscription.channel.value,
            "event_types": sorted(subscription.event_types),
            "status": subscription.status.value,
            "endpoint": subscription.endpoint,
            "allowed_hosts": sorted(subscription.allowed_hosts),
            "heartbeat_seconds": subscription.heartbeat_seconds,
            "mesh_content": subscription.mesh_content.value if subscription.mesh_content else None,
            **sealed_values(subscription, self._secrets),
        }


def _stored_headers(row: Row[Any]) -> Mapping[str, str | Sealed]:
    return {name: Sealed(base64.b64decode(value), row.secrets_key_id) for name, value in row.sealed_headers.items()}


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
        secrets=tuple(Sealed(bytes(secret), row.secrets_key_id) for secret in row.sealed_secrets),
        headers=_stored_headers(row),
        heartbeat_seconds=row.heartbeat_seconds,
        mesh_content=MeshContent(row.mesh_content) if row.mesh_content else None,
        events_since_start=row.events_since_start,
        paused_at=row.paused_at,
        last_sent_at=row.last_sent_at,
        sending_until=row.sending_until,
        last_claimed_at=row.last_claimed_at,
    )


async def warn_of_secrets_sealed_elsewhere(session: AsyncSession, secrets: SubscriptionSecrets) -> int:
    """How many subscriptions keep secrets sealed under another key than this process's, said as an error:
    their deliveries fail until ``PATHFINDER_LA_DELIVERY_SECRETS_KEY`` is set to the key they were sealed with."""
    query = (
        select(la_subscription.c.secrets_key_id, func.count())
        .where(la_subscription.c.secrets_key_id.is_not(None), la_subscription.c.secrets_key_id != secrets.key_id)
        .group_by(la_subscription.c.secrets_key_id)
    )
    counts = {str(row[0]): int(row[1]) for row in (await session.execute(query)).all()}
    if counts:
        log.error(
            "%d LA subscriptions have secrets sealed under key(s) %s, but PATHFINDER_LA_DELIVERY_SECRETS_KEY "
            "gives key %s: their deliveries fail until it is set to the key they were sealed with",
            sum(counts.values()),
            ", ".join(sorted(counts)),
            secrets.key_id,
        )
    return sum(counts.values())
