"""The ``notifications.la-delivery`` consumer: every event about a child becomes deliveries to the matching
subscriptions of the LA responsible for that child, and of no other LA.

It runs in the consumer's transaction (inbox claim first), so each event gives each subscription exactly one
delivery row, one event number and, on Kafka, one record on the LA's topic through the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.catalogue import current_event_classes
from pathfinder.contracts.notifications import EarlyYearsNotificationDeliveredToLa
from pathfinder.messaging.consumer import EventContext, Handler, Subscription
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.outbox import OutboxMessage, encode_headers
from pathfinder.notifications.adapters.subscription_repository import NewDelivery, SubscriptionRepository
from pathfinder.notifications.domain.subscription import Channel, LaSubscription, la_topic
from pathfinder.notifications.domain.subscription_delivery import (
    DATAREF_EXTENSION,
    DeliveryState,
    dataref,
    reports_delivery_of_notification,
)
from pathfinder.notifications.handlers import record_delivery
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork

LA_DELIVERY_GROUP = "la-delivery"
_KAFKA_ROW_NAMESPACE = uuid5(NAMESPACE_URL, "https://fhir.pathfinder-send.org/la-delivery/kafka")


def la_envelope(event: ContractEvent, received: EventEnvelope, link: str) -> EventEnvelope:
    """The envelope an LA receives: the event as its current version, its id, time, trace, and a dataref."""
    la_code = event.audience_la
    assert la_code is not None
    return EventEnvelope(
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
        extra_headers=((f"ce_{DATAREF_EXTENSION}", link.encode()),),
    )


def la_topic_message(envelope: EventEnvelope, *, row_id: object) -> OutboxMessage:
    assert envelope.la_code is not None
    return OutboxMessage(
        event_id=uuid5(_KAFKA_ROW_NAMESPACE, str(row_id)),
        topic=la_topic(envelope.la_code),
        key=envelope.subject,
        event_type=envelope.type,
        headers=envelope.to_headers(),
        payload=envelope.data,
    )


async def deliver_to_la(
    event: ContractEvent, uow: NotificationsUnitOfWork, received: EventEnvelope, *, api_base_url: str
) -> int:
    """Create the deliveries of one event; returns how many subscriptions it went to."""
    la_code = event.audience_la
    if la_code is None:
        return 0
    subscriptions = SubscriptionRepository(uow.session)
    wanted = [
        subscription for subscription in await subscriptions.of_la(la_code) if subscription.wants(event.event_type)
    ]
    if not wanted:
        return 0
    envelope = la_envelope(event, received, dataref(event, api_base_url))
    now = datetime.now(UTC)
    for subscription in wanted:
        await _add_delivery(event, envelope, subscription, subscriptions, uow, now)
    return len(wanted)


async def _add_delivery(
    event: ContractEvent,
    envelope: EventEnvelope,
    subscription: LaSubscription,
    subscriptions: SubscriptionRepository,
    uow: NotificationsUnitOfWork,
    now: datetime,
) -> None:
    on_kafka = subscription.channel is Channel.KAFKA
    delivery = NewDelivery(
        subscription_id=subscription.id,
        event_id=envelope.id,
        event_type=envelope.type,
        subject=envelope.subject,
        event_time=envelope.time,
        headers=encode_headers(envelope.to_headers()),
        payload=envelope.data,
        state=DeliveryState.DELIVERED if on_kafka else DeliveryState.PENDING,
        delivered_at=now if on_kafka else None,
    )
    numbered = subscription.channel is Channel.FHIR_REST_HOOK
    delivery_id = await subscriptions.add_delivery(delivery, numbered=numbered)
    if delivery_id is None or not on_kafka:
        return
    # The outbox makes the write to the LA's topic certain once this transaction commits.
    uow.publish_raw(la_topic_message(envelope, row_id=f"{subscription.id}/{envelope.id}"))
    await report_delivery(event, subscription, subscriptions, uow, now)


async def report_delivery(
    event: ContractEvent,
    subscription: LaSubscription,
    subscriptions: SubscriptionRepository,
    uow: NotificationsUnitOfWork,
    now: datetime,
) -> None:
    """EarlyYearsNotificationDeliveredToLa, once per notification and subscription."""
    notification_id = reports_delivery_of_notification(event)
    if notification_id is None or not await subscriptions.first_receipt(notification_id, subscription.id, now):
        return
    person_id = getattr(event, "person_id")  # noqa: B009 - every early-years notification event names the child
    uow.publish(
        EarlyYearsNotificationDeliveredToLa(
            person_id=person_id,
            responsible_la=subscription.la_code,
            notification_id=notification_id,
            subscription_id=subscription.id,
            channel=subscription.channel.value,
            delivered_at=now,
        )
    )
    await record_delivery(notification_id, subscription.channel.value, now, session=uow.session)


def la_delivery_subscription(api_base_url: str) -> Subscription[NotificationsUnitOfWork]:
    """Reads every event an LA may receive, built from the catalogue so a new event type is read at once."""

    async def handle(event: ContractEvent, uow: NotificationsUnitOfWork, context: EventContext) -> None:
        assert context.delivery.envelope is not None
        await deliver_to_la(event, uow, context.delivery.envelope, api_base_url=api_base_url)

    handler: Handler[NotificationsUnitOfWork] = handle
    deliverable = sorted((cls for cls in current_event_classes() if cls.la_deliverable), key=lambda c: c.event_type)
    return Subscription(name=LA_DELIVERY_GROUP, handlers=dict.fromkeys(deliverable, handler))
