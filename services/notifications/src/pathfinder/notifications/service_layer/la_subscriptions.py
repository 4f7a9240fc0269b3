"""An LA manages its subscriptions: subscribe, read, change, resume, remove; read the delivery log; ask for
deliveries again; fetch missed rest-hook events by number. A MESH subscription names a mailbox the platform has
registered to that LA (onboarding registers it), never any other.

``authorise`` is called with the LA code a subscription belongs to, inside the transaction, and raises when
the caller may not act for that LA.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, SubscriptionTerms
from pathfinder.notifications.domain.mesh_mailbox import MailboxRole
from pathfinder.notifications.domain.subscription_checks import InvalidSubscription, check_scheme
from pathfinder.notifications.service_layer.la_delivery import publish_to_la_topic
from pathfinder.notifications.service_layer.ports import DestinationCheck
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

Authorise = Callable[[str], None]


class SubscriptionNotFound(LookupError):
    pass


class SubscriptionConflict(ValueError):
    """The LA already has its one Kafka subscription (its topic carries what that subscription says)."""

    def __init__(self, la_code: str, existing: UUID | None) -> None:
        super().__init__(f"LA {la_code} already has its kafka subscription {existing}")
        self.la_code, self.existing = la_code, existing


class SubscriptionLimitReached(ValueError):
    pass


class MailboxNotOnboarded(InvalidSubscription):
    """A MESH subscription names a mailbox the platform has not registered to the subscribing LA."""

    def __init__(self, la_code: str, mailbox: str) -> None:
        super().__init__(
            f"MESH mailbox {mailbox} is not registered to LA {la_code}: have the platform onboard the LA's mailbox "
            "first (the platform delivers only to a mailbox it knows to be the LA's)"
        )
        self.la_code, self.mailbox = la_code, mailbox


@dataclass(frozen=True)
class SubscriptionRules:
    """What every subscription must meet besides its own terms."""

    allow_loopback_http: bool
    max_per_la: int
    destinations: DestinationCheck


def _now() -> datetime:
    return datetime.now(UTC)


async def _check_endpoint(subscription: LaSubscription, rules: SubscriptionRules) -> None:
    if subscription.endpoint is None or subscription.channel is Channel.MESH:
        return
    check_scheme(subscription.endpoint, allow_loopback_http=rules.allow_loopback_http)
    refusal = await rules.destinations.refusal(subscription.endpoint, subscription.allowed_hosts)
    if refusal is not None:
        raise InvalidSubscription(f"the endpoint cannot be delivered to: {refusal}")


async def _check_mailbox(uow: NotificationsUnitOfWork, subscription: LaSubscription) -> None:
    if subscription.channel is not Channel.MESH:
        return
    assert subscription.endpoint is not None, "a mesh subscription names its mailbox"
    mailbox = await uow.mesh_mailboxes.get(subscription.endpoint)
    if (
        mailbox is None
        or mailbox.role is not MailboxRole.LOCAL_AUTHORITY
        or mailbox.organisation != subscription.la_code
    ):
        raise MailboxNotOnboarded(subscription.la_code, subscription.endpoint)


async def subscribe(
    la_code: str,
    channel: Channel,
    terms: SubscriptionTerms,
    *,
    uow: NotificationsUnitOfWork,
    rules: SubscriptionRules,
    now: Callable[[], datetime] = _now,
) -> LaSubscription:
    subscription = LaSubscription.subscribe(uuid4(), la_code, channel, terms, now())
    await _check_endpoint(subscription, rules)
    async with uow:
        await add_subscription(uow, subscription, max_per_la=rules.max_per_la)
        await uow.commit()
    return subscription


async def add_subscription(
    uow: NotificationsUnitOfWork, subscription: LaSubscription, *, max_per_la: int | None
) -> None:
    """Add ``subscription`` in the caller's transaction, within the LA's limits (one Kafka subscription, at
    most ``max_per_la`` in all unless None) and, on MESH, to a mailbox registered to the LA."""
    la_code = subscription.la_code
    held = await uow.subscriptions.of_la(la_code, lock=True)
    kafka = next((found.id for found in held if found.channel is Channel.KAFKA), None)
    if subscription.channel is Channel.KAFKA and kafka is not None:
        raise SubscriptionConflict(la_code, kafka)
    if max_per_la is not None and len(held) >= max_per_la:
        raise SubscriptionLimitReached(
            f"LA {la_code} already has {len(held)} subscriptions, the most one LA may hold: remove one first"
        )
    await _check_mailbox(uow, subscription)
    if not await uow.subscriptions.add(subscription):
        raise SubscriptionConflict(la_code, None)  # another request made it in the meantime


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
    rules: SubscriptionRules,
) -> LaSubscription:
    async with uow:
        changed = (await _authorised(uow, subscription_id, authorise, lock=True)).changed_to(terms)
        if resume:
            changed.resume()
        await _check_endpoint(changed, rules)
        await _check_mailbox(uow, changed)
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
            raise InvalidSubscription("only fhir-rest-hook and mesh fhir-bundle subscriptions number their events")
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
