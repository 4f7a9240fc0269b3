"""Events reach the LA responsible for the child, and no other LA.

Every event an LA may receive becomes one delivery per matching subscription of that LA, in the consumer's
transaction (inbox claim first), so each event gives each subscription exactly one delivery, one event number
and, on Kafka, one record on the LA's topic through the outbox. The dispatcher then sends webhook, rest-hook and
MESH deliveries: it claims one, sends it with no transaction or lock held, and records the outcome. Its lanes are
shared fairly: one attempt in flight per endpoint, at most ``per_la`` per LA, and the LA that waited longest
goes next, so one LA's hanging endpoints cannot hold every lane.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from pathfinder.contracts import ContractEvent
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.outbox_message import OutboxMessage
from pathfinder.notifications.domain.la_delivery import (
    DATAREF_HEADER,
    REPLAY_HEADER,
    DeliveryState,
    LaDelivery,
    LaEvent,
    PublicUrls,
    RetryPolicy,
    dataref,
    reports_delivery_of,
)
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, la_topic
from pathfinder.notifications.service_layer.ports import LaEndpoints
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

_KAFKA_ROW_NAMESPACE = uuid5(NAMESPACE_URL, "https://fhir.pathfinder-send.org/la-delivery/kafka")


def _now() -> datetime:
    return datetime.now(UTC)


def la_event(
    event: ContractEvent, received: EventEnvelope, *, public_urls: PublicUrls, replay_id: UUID | None = None
) -> LaEvent:
    """The event as its LA receives it: its current version, its id, time and trace, and a dataref; sent again
    in a replay, it names the replay too."""
    la_code = event.audience_la
    assert la_code is not None
    extensions = [(DATAREF_HEADER, dataref(event, public_urls).encode())]
    if replay_id is not None:
        extensions.append((REPLAY_HEADER, str(replay_id).encode()))
    envelope = EventEnvelope(
        id=received.id,
        source=received.source,
        type=event.event_type,
        time=received.time,
        subject=received.subject,
        la_code=la_code,
        correlation_id=received.correlation_id,
        data=event.model_dump_json().encode(),
        traceparent=received.traceparent,
        tracestate=received.tracestate,
        extra_headers=tuple(extensions),
    )
    return LaEvent(
        event_id=envelope.id,
        event_type=envelope.type,
        subject=envelope.subject,
        time=envelope.time,
        headers=tuple(envelope.to_headers()),
        payload=envelope.data,
        notification_id=reports_delivery_of(event),
    )


async def deliver_to_la(
    event: ContractEvent,
    received: EventEnvelope,
    *,
    uow: NotificationsUnitOfWork,
    public_urls: PublicUrls,
    now: Callable[[], datetime] = _now,
) -> int:
    """Make the deliveries of one event, in the caller's transaction; returns how many subscriptions it went to."""
    la_code = event.audience_la
    if la_code is None:
        return 0
    wanted = [found for found in await uow.subscriptions.of_la(la_code, lock=True) if found.wants(event.event_type)]
    if not wanted:
        return 0
    delivered = la_event(event, received, public_urls=public_urls)
    at = now()
    for subscription in wanted:
        await deliver_on(uow, subscription, delivered, at)
    return len(wanted)


async def deliver_on(uow: NotificationsUnitOfWork, subscription: LaSubscription, event: LaEvent, at: datetime) -> None:
    """One delivery of ``event`` on ``subscription``: on Kafka written to the LA's topic through the outbox (and
    so delivered), else pending for the dispatcher."""
    delivery = subscription.deliver(event, at)
    if subscription.channel is Channel.KAFKA:
        publish_to_la_topic(uow, subscription, delivery, again=False)
        await _report_to_notification(uow, subscription, delivery, at)
    await uow.subscriptions.save(subscription)


def publish_to_la_topic(
    uow: NotificationsUnitOfWork, subscription: LaSubscription, delivery: LaDelivery, *, again: bool
) -> None:
    """The outbox makes the write to the LA's topic certain once the transaction commits."""
    event = delivery.event
    replayed = f"{event.replay_id}/" if event.replay_id is not None else ""
    first_copy = uuid5(_KAFKA_ROW_NAMESPACE, f"{replayed}{subscription.id}/{event.event_id}")
    uow.publish_raw(
        OutboxMessage(
            event_id=uuid4() if again else first_copy,
            topic=la_topic(subscription.la_code),
            key=event.subject,
            event_type=event.event_type,
            headers=list(event.headers),
            payload=event.payload,
        )
    )


async def send_next_delivery(
    *,
    unit_of_work: Callable[[], NotificationsUnitOfWork],
    endpoints: LaEndpoints,
    policy: RetryPolicy,
    lease: timedelta,
    per_la: int,
    now: Callable[[], datetime] = _now,
) -> bool:
    """Send one due webhook, rest-hook or MESH delivery, if there is one; True when one was attempted. ``per_la``
    bounds the deliveries in flight to one LA's endpoints, across every dispatcher.

    The claim commits before the LA's endpoint is called, so no row lock or connection is held meanwhile; the
    outcome is recorded only if the claim still holds (a lease that ran out gave the delivery to another
    dispatcher, and the LA deduplicates on the event id)."""
    async with unit_of_work() as uow:
        due = await uow.subscriptions.claim_due_delivery(now(), per_la=per_la)
        if due is None:
            return False
        subscription, delivery = due
        claim = subscription.claim(delivery, now(), lease)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    outcome = await endpoints.send(subscription, delivery)
    async with unit_of_work() as uow:
        current = await uow.subscriptions.get(subscription.id, lock=True)
        again = await uow.subscriptions.delivery(current, delivery.id) if current and delivery.id else None
        if current is None or again is None or not again.holds(claim):
            return True
        at = now()
        if current.record_outcome(again, outcome, at, policy) is DeliveryState.DELIVERED:
            await _report_to_notification(uow, current, again, at)
        await uow.subscriptions.save(current)
        await uow.commit()
    return True


async def _report_to_notification(
    uow: NotificationsUnitOfWork, subscription: LaSubscription, delivery: LaDelivery, at: datetime
) -> None:
    if delivery.event.notification_id is None:
        return
    notification = await uow.notifications.get(delivery.event.notification_id, lock=True)
    if notification is None or notification.person_id is None:
        return
    notification.delivered(subscription.id, subscription.channel.value, at)
    await uow.notifications.save(notification)


async def send_heartbeats(
    *,
    unit_of_work: Callable[[], NotificationsUnitOfWork],
    endpoints: LaEndpoints,
    now: Callable[[], datetime] = _now,
    limit: int = 20,
) -> int:
    """A heartbeat to every rest-hook subscription that has sent nothing for its period; how many arrived.
    A missed heartbeat is not retried: the next one, or the next event, follows at the period."""
    async with unit_of_work() as uow:
        due = await uow.subscriptions.due_heartbeats(now(), limit=limit)
        for subscription in due:
            subscription.sent(now())
            await uow.subscriptions.save(subscription)
        await uow.commit()
    sent = 0
    for subscription in due:
        sent += (await endpoints.send_heartbeat(subscription)).delivered
    return sent


async def la_topics(*, uow: NotificationsUnitOfWork) -> list[str]:
    """The Kafka topic of every LA that subscribes on Kafka."""
    async with uow:
        return [la_topic(code) for code in await uow.subscriptions.kafka_la_codes()]
