"""The ``replay-delivery`` consumer: events replayed from the archive to one LA subscription (ADR 0011), read from
``pathfinder.replay.la-delivery`` by the group ``notifications.replay-delivery``.

Each record is a platform event as it was first published, naming the replay and the subscription in two headers.
It is delivered to that subscription only (:mod:`..service_layer.la_replay`), or refused and dead-lettered with
``replay-refused`` and the reason (the subscription is gone, the child is another LA's or none's, the subscription
would never have received that type). A record that names no replay or subscription is dead-lettered at once as
malformed; anything else is handled as every consumer's events are (retried with backoff, then dead-lettered).

Its inbox key is the replay's key of the event (replay, subscription, event), not the event's id, so a record read
twice delivers once while a later replay of an event the group has seen before delivers it again.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.catalogue import current_event_classes
from pathfinder.contracts.wire import REPLAY_LA_DELIVERY_TOPIC
from pathfinder.messaging.delivery import DeadLetterReason, Delivery
from pathfinder.messaging.subscription import EventContext, Refused, Subscription
from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.notifications.domain.la_replay import ReplayTarget, UnreadableReplay
from pathfinder.notifications.entrypoints.consumers import ConsumingUnitOfWork
from pathfinder.notifications.service_layer.la_replay import refusal_of_replay, replay_to_subscription

REPLAY_DELIVERY = "replay-delivery"
_UNREADABLE_KEY_NAMESPACE = UUID("5c0f7e2a-93d1-5b4e-8f6a-2d7c1b9e4a30")


def replay_key(delivery: Delivery) -> UUID:
    """The record's inbox key: the replay's key of its event, or (naming no replay) the record's place, where it is
    dead-lettered once."""
    try:
        target = ReplayTarget.from_headers(delivery.headers)
    except UnreadableReplay:
        return uuid5(_UNREADABLE_KEY_NAMESPACE, f"{delivery.topic}/{delivery.partition}/{delivery.offset}")
    return target.key(delivery.event_id)


def replay_delivery(public_urls: PublicUrls) -> Subscription[ConsumingUnitOfWork]:
    async def deliver(event: ContractEvent, uow: ConsumingUnitOfWork, context: EventContext) -> None:
        received = context.delivery
        try:
            target = ReplayTarget.from_headers(received.headers)
        except UnreadableReplay as unreadable:
            raise Refused(DeadLetterReason.MALFORMED, str(unreadable)) from None
        refusal = await refusal_of_replay(event, target, uow=uow)
        if refusal is not None:
            raise Refused(DeadLetterReason.REPLAY_REFUSED, refusal)
        assert received.envelope is not None
        await replay_to_subscription(event, received.envelope, target, uow=uow, public_urls=public_urls)

    subscription = Subscription[ConsumingUnitOfWork](
        REPLAY_DELIVERY, topics=[REPLAY_LA_DELIVERY_TOPIC], inbox_key=replay_key
    )
    # Every type: one an LA may not receive is refused with the reason, not passed over.
    for event_class in sorted(current_event_classes(), key=lambda cls: cls.event_type):
        subscription.on(event_class, deliver)
    return subscription
