"""What the notifications worker consumes, each event handed to its use case in the consumer's unit of work:

- ``la-delivery``: every event an LA may receive becomes deliveries to the LA responsible for the child (built
  from the catalogue, so a new event type is read at once);
- ``identity-reviews``: a person's decision on a possible match releases the notifications held for it;
- ``replay-delivery`` (:mod:`.replay_delivery`): events replayed from the archive to one LA subscription.
"""

from __future__ import annotations

import logging

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.catalogue import current_event_classes
from pathfinder.contracts.identity import PossibleMatchResolved
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription
from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.notifications.service_layer.child_identification import release_after_review
from pathfinder.notifications.service_layer.la_delivery import deliver_to_la
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

log = logging.getLogger(__name__)

LA_DELIVERY = "la-delivery"
IDENTITY_REVIEWS = "identity-reviews"


class ConsumingUnitOfWork(SqlUnitOfWork, NotificationsUnitOfWork):
    """What a consumer's unit of work is: the notifications one, on a database session (for its inbox)."""


def la_delivery(public_urls: PublicUrls) -> Subscription[ConsumingUnitOfWork]:
    async def deliver(event: ContractEvent, uow: ConsumingUnitOfWork, context: EventContext) -> None:
        assert context.delivery.envelope is not None
        await deliver_to_la(event, context.delivery.envelope, uow=uow, public_urls=public_urls)

    subscription = Subscription[ConsumingUnitOfWork](LA_DELIVERY)
    for event_class in sorted(current_event_classes(), key=lambda cls: cls.event_type):
        if event_class.la_deliverable:
            subscription.on(event_class, deliver)
    return subscription


async def release_held_notifications(
    event: PossibleMatchResolved, uow: ConsumingUnitOfWork, _context: EventContext
) -> None:
    released = await release_after_review(event.review_id, event.person_id, event.responsible_la, uow=uow)
    if released:
        log.info(
            "review %s decided: %d held notification(s) released to LA %s",
            event.review_id,
            released,
            event.responsible_la,
        )


def identity_reviews() -> Subscription[ConsumingUnitOfWork]:
    return Subscription[ConsumingUnitOfWork](IDENTITY_REVIEWS).on(PossibleMatchResolved, release_held_notifications)
