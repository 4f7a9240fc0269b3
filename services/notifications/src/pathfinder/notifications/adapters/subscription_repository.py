"""Storing LA subscriptions and their deliveries, with their secrets sealed."""

from __future__ import annotations

import base64
import functools
import logging
from collections.abc import Mapping, Sequence
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
from pathfinder.notifications.delivery.settings import LaDeliverySettings
from pathfinder.notifications.domain.subscription import Channel, LaSubscription, Sealed, SubscriptionStatus
from pathfinder.notifications.domain.subscription_delivery import DeliveryState
from pathfinder.persistence.sealing import SealingError, SecretSealer
from sqlalchemy import Row, and_, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

# Part of every stored secrets_key_id (migration 0006 spells it out too): changing it orphans stored secrets.
KEY_ID_PREFIX = "pathfinder-la-delivery-secrets:"

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


class SubscriptionSecrets:
    """Seals a subscription's webhook secrets and rest-hook header values for storage, and opens them to send.

    The associated data names the subscription and what the value is, so a sealed value moved to another
    subscription, or from one header to another, does not open.
    """

    def __init__(self, sealer: SecretSealer) -> None:
        self._sealer = sealer

    @classmethod
    def from_settings(cls, settings: LaDeliverySettings) -> SubscriptionSecrets:
        key = settings.secrets_key
        return cls(_sealer(key.get_secret_value() if key is not None else None))

    @property
    def key_id(self) -> str:
        return self._sealer.key_id

    def seal_secret(self, subscription_id: UUID, secret: str) -> Sealed:
        return Sealed(self._sealer.seal(secret_purpose(subscription_id), secret.encode()), self.key_id)

    def seal_header(self, subscription_id: UUID, name: str, value: str) -> Sealed:
        return Sealed(self._sealer.seal(header_purpose(subscription_id, name), value.encode()), self.key_id)

    def open_secrets(self, subscription: LaSubscription) -> tuple[str, ...]:
        return tuple(
            self._open(subscription.id, secret_purpose(subscription.id), secret) for secret in subscription.secrets
        )

    def open_headers(self, subscription: LaSubscription) -> dict[str, str]:
        return {
            name: self._open(subscription.id, header_purpose(subscription.id, name), value)
            for name, value in subscription.headers.items()
        }

    def _open(self, subscription_id: UUID, purpose: str, value: str | Sealed) -> str:
        if isinstance(value, str):
            return value
        if value.key_id != self.key_id:
            raise SealingError(
                f"subscription {subscription_id} has secrets sealed under key {value.key_id}, but this process "
                f"has key {self.key_id}: set PATHFINDER_LA_DELIVERY_SECRETS_KEY to the key they were sealed with"
            )
        return self._sealer.open(purpose, value.value).decode()


def secret_purpose(subscription_id: UUID) -> str:
    return f"la_subscription:{subscription_id}:webhook-secret"


def header_purpose(subscription_id: UUID, name: str) -> str:
    return f"la_subscription:{subscription_id}:header:{name}"


@functools.cache
def _sealer(key_text: str | None) -> SecretSealer:
    # One throwaway key per process, so the API and the dispatcher of one process agree.
    if key_text is not None:
        return SecretSealer.from_text(key_text, key_id_prefix=KEY_ID_PREFIX)
    log.warning(
        "PATHFINDER_LA_DELIVERY_SECRETS_KEY is not set: using a throwaway key, so LA subscriptions' webhook "
        "secrets and rest-hook headers stored now cannot be opened by another process or after a restart. "
        "Outside a developer's machine, set it to 32 random bytes, base64url."
    )
    return SecretSealer.generate(key_id_prefix=KEY_ID_PREFIX)


def _sealed_values(subscription: LaSubscription, secrets: SubscriptionSecrets | None) -> dict[str, Any]:
    """The sealed columns: values already sealed are kept as they are, new plaintext is sealed."""
    values: list[str | Sealed] = [*subscription.secrets, *subscription.headers.values()]
    key_ids = {value.key_id for value in values if isinstance(value, Sealed)}
    if any(isinstance(value, str) for value in values):
        if secrets is None:
            raise RuntimeError("storing a subscription's new secrets needs its SubscriptionSecrets")
        key_ids.add(secrets.key_id)
    if len(key_ids) > 1:
        raise SealingError(
            f"subscription {subscription.id} keeps secrets sealed under another key than this process's: "
            "set PATHFINDER_LA_DELIVERY_SECRETS_KEY to the key they were sealed with"
        )

    def secret(value: str | Sealed) -> bytes:
        if isinstance(value, Sealed):
            return value.value
        assert secrets is not None
        return secrets.seal_secret(subscription.id, value).value

    def header(name: str, value: str | Sealed) -> str:
        if not isinstance(value, Sealed):
            assert secrets is not None
            value = secrets.seal_header(subscription.id, name, value)
        return base64.b64encode(value.value).decode()

    return {
        "sealed_secrets": [secret(value) for value in subscription.secrets],
        "sealed_headers": {name: header(name, value) for name, value in subscription.headers.items()},
        "secrets_key_id": key_ids.pop() if key_ids else None,
    }


def _values(subscription: LaSubscription, secrets: SubscriptionSecrets | None) -> dict[str, Any]:
    return {
        "la_code": subscription.la_code,
        "channel": subscription.channel.value,
        "event_types": sorted(subscription.event_types),
        "status": subscription.status.value,
        "endpoint": subscription.endpoint,
        "allowed_hosts": sorted(subscription.allowed_hosts),
        "heartbeat_seconds": subscription.heartbeat_seconds,
        **_sealed_values(subscription, secrets),
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
        events_since_start=row.events_since_start,
    )


class SubscriptionRepository:
    """``secrets`` seals new webhook secrets and header values; only writing them needs it."""

    def __init__(self, session: AsyncSession, secrets: SubscriptionSecrets | None = None) -> None:
        self._session = session
        self._secrets = secrets

    async def add(self, subscription: LaSubscription) -> None:
        await self._session.execute(
            insert(la_subscription).values(
                id=subscription.id, created_at=subscription.created_at, **_values(subscription, self._secrets)
            )
        )

    async def save(self, subscription: LaSubscription, now: datetime) -> None:
        await self._session.execute(
            update(la_subscription)
            .where(la_subscription.c.id == subscription.id)
            .values(updated_at=now, **_values(subscription, self._secrets))
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
