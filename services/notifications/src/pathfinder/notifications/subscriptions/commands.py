"""Commands and queries on LA subscriptions, one function each, dependencies by name.

``authorise`` is called with the LA code a subscription or notification belongs to, inside the transaction,
and raises when the caller may not act for that LA. ``secrets`` seals webhook secrets and rest-hook header
values before they are stored (the service's one sealer, shared with its dispatcher).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pathfinder.contracts.notifications import EarlyYearsNotificationAcknowledgedByLa
from pathfinder.messaging.outbox import OutboxMessage, decode_headers
from pathfinder.notifications.adapters.subscription_repository import SubscriptionRepository, SubscriptionSecrets
from pathfinder.notifications.domain.subscription import (
    Channel,
    InvalidSubscription,
    LaSubscription,
    SubscriptionStatus,
    check_scheme,
    la_topic,
)
from pathfinder.notifications.handlers import record_acknowledgement
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError

Authorise = Callable[[str], None]


class SubscriptionNotFound(LookupError):
    pass


class SubscriptionConflict(ValueError):
    pass


@dataclass(frozen=True)
class SubscriptionTerms:
    """What an LA asks for; a change leaves out (None) what it keeps."""

    event_types: frozenset[str] | None = None
    endpoint: str | None = None
    allowed_hosts: frozenset[str] | None = None
    secrets: tuple[str, ...] | None = None
    headers: dict[str, str] | None = None
    heartbeat_seconds: int | None = None
    resume: bool = False


async def create_subscription(
    la_code: str,
    channel: Channel,
    terms: SubscriptionTerms,
    uow: NotificationsUnitOfWork,
    *,
    allow_loopback_http: bool,
    now: datetime | None = None,
    secrets: SubscriptionSecrets,
) -> LaSubscription:
    subscription = LaSubscription(
        id=uuid4(),
        la_code=la_code,
        channel=channel,
        event_types=terms.event_types or frozenset(),
        created_at=now or datetime.now(UTC),
        endpoint=terms.endpoint,
        allowed_hosts=terms.allowed_hosts or frozenset(),
        secrets=terms.secrets or (),
        headers=terms.headers or {},
        heartbeat_seconds=terms.heartbeat_seconds,
    )
    if subscription.endpoint is not None:
        check_scheme(subscription.endpoint, allow_loopback_http=allow_loopback_http)
    async with uow:
        try:
            await SubscriptionRepository(uow.session, secrets).add(subscription)
            await uow.commit()
        except IntegrityError:
            raise SubscriptionConflict(f"LA {la_code} already has a kafka subscription for its topic") from None
    return subscription


async def subscription(subscription_id: UUID, uow: NotificationsUnitOfWork, authorise: Authorise) -> LaSubscription:
    async with uow:
        return await _authorised(SubscriptionRepository(uow.session), subscription_id, authorise)


async def subscriptions_of(la_code: str, uow: NotificationsUnitOfWork) -> list[LaSubscription]:
    async with uow:
        return await SubscriptionRepository(uow.session).of_la(la_code)


async def change_subscription(
    subscription_id: UUID,
    terms: SubscriptionTerms,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    *,
    allow_loopback_http: bool,
    now: datetime | None = None,
    secrets: SubscriptionSecrets,
) -> LaSubscription:
    now = now or datetime.now(UTC)
    async with uow:
        subscriptions = SubscriptionRepository(uow.session, secrets)
        current = await _authorised(subscriptions, subscription_id, authorise, lock=True)
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("event_types", terms.event_types),
                ("endpoint", terms.endpoint),
                ("allowed_hosts", terms.allowed_hosts),
                ("secrets", terms.secrets),
                ("headers", terms.headers),
                ("heartbeat_seconds", terms.heartbeat_seconds),
            )
            if value is not None
        }
        if terms.endpoint is not None and terms.allowed_hosts is None:
            changes["allowed_hosts"] = frozenset()  # a new endpoint does not inherit the old host's allow-list
        if terms.resume:
            changes["status"] = SubscriptionStatus.ACTIVE
        changed = replace(current, **changes)
        if changed.endpoint is not None:
            check_scheme(changed.endpoint, allow_loopback_http=allow_loopback_http)
        await subscriptions.save(changed, now)
        await uow.commit()
    return changed


async def remove_subscription(subscription_id: UUID, uow: NotificationsUnitOfWork, authorise: Authorise) -> None:
    async with uow:
        subscriptions = SubscriptionRepository(uow.session)
        await _authorised(subscriptions, subscription_id, authorise, lock=True)
        await subscriptions.remove(subscription_id)
        await uow.commit()


async def redeliver(
    subscription_id: UUID,
    since: datetime,
    until: datetime,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    *,
    now: datetime | None = None,
) -> int:
    """Queue again every delivery created in [since, until) and resume the subscription; returns how many.

    Webhook receivers see the same webhook-id (the event id) again and deduplicate; rest-hook events keep
    their numbers; on Kafka the records are written to the LA's topic again with the same ce_id.
    """
    if until <= since:
        raise InvalidSubscription("until must be after since")
    now = now or datetime.now(UTC)
    async with uow:
        subscriptions = SubscriptionRepository(uow.session)
        found = await _authorised(subscriptions, subscription_id, authorise, lock=True)
        if found.channel is Channel.KAFKA:
            rows = await subscriptions.deliveries(subscription_id, since=since, until=until, limit=100_000)
            for row in rows:
                uow.publish_raw(_kafka_again(found, row))
                await subscriptions.record_attempt(row.id, delivered_at=now, last_attempt_at=now)
            count = len(rows)
        else:
            count = len(await subscriptions.requeue(subscription_id, since, until, now))
            await subscriptions.resume(subscription_id, now)
        await uow.commit()
    return count


def _kafka_again(subscription: LaSubscription, row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        event_id=uuid4(),
        topic=la_topic(subscription.la_code),
        key=row.subject,
        event_type=row.event_type,
        headers=decode_headers(row.headers),
        payload=row.payload,
    )


async def delivery_log(
    subscription_id: UUID,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> Sequence[Row[Any]]:
    async with uow:
        subscriptions = SubscriptionRepository(uow.session)
        await _authorised(subscriptions, subscription_id, authorise)
        return await subscriptions.deliveries(subscription_id, since=since, until=until, limit=limit)


async def numbered_events(
    subscription_id: UUID,
    since_number: int | None,
    until_number: int | None,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    *,
    limit: int = 1000,
) -> tuple[LaSubscription, Sequence[Row[Any]]]:
    """The subscription and its deliveries numbered from ``since_number`` to ``until_number`` inclusive."""
    async with uow:
        subscriptions = SubscriptionRepository(uow.session)
        found = await _authorised(subscriptions, subscription_id, authorise)
        if found.channel is not Channel.FHIR_REST_HOOK:
            raise InvalidSubscription("only fhir-rest-hook subscriptions number their events")
        first = since_number or 1
        last = found.events_since_start if until_number is None else until_number
        rows = await subscriptions.deliveries(subscription_id, numbers=(first, last), limit=limit)
        return found, rows


@dataclass(frozen=True)
class Acknowledgement:
    notification_id: UUID
    la_reference: str | None
    acknowledged_at: datetime
    new: bool


async def acknowledge_notification(
    notification_id: UUID,
    la_reference: str | None,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    *,
    now: datetime | None = None,
) -> Acknowledgement | None:
    """The responsible LA takes the notification on; None when there is no such notification. A repeated
    acknowledgement answers the first and emits nothing."""
    now = now or datetime.now(UTC)
    async with uow:
        notification = await uow.notifications.get(notification_id)
        if notification is None:
            return None
        authorise(notification.responsible_la)
        row, new = await SubscriptionRepository(uow.session).acknowledge(
            notification_id, notification.responsible_la, la_reference, now
        )
        if new:
            uow.publish(
                EarlyYearsNotificationAcknowledgedByLa(
                    person_id=notification.person_id,
                    responsible_la=notification.responsible_la,
                    notification_id=notification_id,
                    acknowledged_at=now,
                    la_reference=la_reference,
                )
            )
            await record_acknowledgement(notification_id, la_reference, now, session=uow.session)
        await uow.commit()
    return Acknowledgement(notification_id, row.la_reference, row.acknowledged_at, new)


async def _authorised(
    subscriptions: SubscriptionRepository, subscription_id: UUID, authorise: Authorise, *, lock: bool = False
) -> LaSubscription:
    found = await subscriptions.get(subscription_id, lock=lock)
    if found is None:
        raise SubscriptionNotFound(str(subscription_id))
    authorise(found.la_code)
    return found
