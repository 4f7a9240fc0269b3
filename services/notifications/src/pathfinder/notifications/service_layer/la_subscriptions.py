"""An LA manages its subscriptions: subscribe, read, change, resume, remove; read the delivery log; ask for
deliveries again; fetch missed rest-hook events by number.

``authorise`` is called with the LA code a subscription belongs to, inside the transaction, and raises when
the caller may not act for that LA.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import (
    Channel,
    InvalidSubscription,
    LaSubscription,
    SubscriptionTerms,
    check_scheme,
)
from pathfinder.notifications.service_layer.la_delivery import publish_to_la_topic
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

Authorise = Callable[[str], None]


class SubscriptionNotFound(LookupError):
    pass


class SubscriptionConflict(ValueError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


async def subscribe(
    la_code: str,
    channel: Channel,
    terms: SubscriptionTerms,
    *,
    uow: NotificationsUnitOfWork,
    allow_loopback_http: bool,
    now: Callable[[], datetime] = _now,
) -> LaSubscription:
    subscription = LaSubscription.subscribe(uuid4(), la_code, channel, terms, now())
    if subscription.endpoint is not None:
        check_scheme(subscription.endpoint, allow_loopback_http=allow_loopback_http)
    async with uow:
        if not await uow.subscriptions.add(subscription):
            raise SubscriptionConflict(f"LA {la_code} already has a kafka subscription for its topic")
        await uow.commit()
    return subscription


async def subscription(subscription_id: UUID, *, uow: NotificationsUnitOfWork, authorise: Authorise) -> LaSubscription:
    async with uow:
        return await _authorised(uow, subscription_id, authorise)


async def subscriptions_of(la_code: str, *, uow: NotificationsUnitOfWork) -> list[LaSubscription]:
    async with uow:
        return await uow.subscriptions.of_la(la_code)


async def change_subscription(
    subscription_id: UUID,
    terms: SubscriptionTerms,
    *,
    resume: bool,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    allow_loopback_http: bool,
) -> LaSubscription:
    async with uow:
        changed = (await _authorised(uow, subscription_id, authorise, lock=True)).changed_to(terms)
        if resume:
            changed.resume()
        if changed.endpoint is not None:
            check_scheme(changed.endpoint, allow_loopback_http=allow_loopback_http)
        await uow.subscriptions.save(changed)
        await uow.commit()
    return changed


async def remove_subscription(subscription_id: UUID, *, uow: NotificationsUnitOfWork, authorise: Authorise) -> None:
    async with uow:
        await _authorised(uow, subscription_id, authorise, lock=True)
        await uow.subscriptions.remove(subscription_id)
        await uow.commit()


async def redeliver(
    subscription_id: UUID,
    since: datetime,
    until: datetime,
    *,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    now: Callable[[], datetime] = _now,
) -> int:
    """Queue again every delivery created in [since, until) and resume the subscription; returns how many.
    On Kafka the records are written to the LA's topic again, with the same ``ce_id``."""
    if until <= since:
        raise InvalidSubscription("until must be after since")
    async with uow:
        found = await _authorised(uow, subscription_id, authorise, lock=True)
        again = await uow.subscriptions.deliveries(found, since=since, until=until, limit=100_000)
        for delivery in found.redeliver(again, now()):
            if found.channel is Channel.KAFKA:
                publish_to_la_topic(uow, found, delivery, again=True)
        await uow.subscriptions.save(found)
        await uow.commit()
    return len(again)


async def delivery_log(
    subscription_id: UUID,
    *,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> list[LaDelivery]:
    async with uow:
        found = await _authorised(uow, subscription_id, authorise)
        return await uow.subscriptions.deliveries(found, since=since, until=until, limit=limit)


async def numbered_events(
    subscription_id: UUID,
    since_number: int | None,
    until_number: int | None,
    *,
    uow: NotificationsUnitOfWork,
    authorise: Authorise,
    limit: int = 1000,
) -> tuple[LaSubscription, list[LaDelivery]]:
    """The subscription and its deliveries numbered from ``since_number`` to ``until_number`` inclusive."""
    async with uow:
        found = await _authorised(uow, subscription_id, authorise)
        if not found.numbers_events:
            raise InvalidSubscription("only fhir-rest-hook subscriptions number their events")
        first = since_number or 1
        last = found.events_since_start if until_number is None else until_number
        return found, await uow.subscriptions.deliveries(found, numbers=(first, last), limit=limit)


async def _authorised(
    uow: NotificationsUnitOfWork, subscription_id: UUID, authorise: Authorise, *, lock: bool = False
) -> LaSubscription:
    found = await uow.subscriptions.get(subscription_id, lock=lock)
    if found is None:
        raise SubscriptionNotFound(str(subscription_id))
    authorise(found.la_code)
    return found
