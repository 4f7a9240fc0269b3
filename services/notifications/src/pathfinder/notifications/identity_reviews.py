"""What notifications reads from identity: a person's decision on a possible match releases the notifications
held for that review, so the LA hears of the child as soon as the child is named."""

from __future__ import annotations

import logging

from pathfinder.contracts.identity import PossibleMatchResolved
from pathfinder.messaging.consumer import EventContext, Subscription
from pathfinder.notifications.inbound_handlers import release_reviewed_notifications
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork

log = logging.getLogger(__name__)


async def release_held_notifications(
    event: PossibleMatchResolved, uow: NotificationsUnitOfWork, _context: EventContext
) -> None:
    released = await release_reviewed_notifications(event.review_id, event.person_id, uow=uow)
    if released:
        log.info(
            "review %s decided: %d held notification(s) released to LA %s",
            event.review_id,
            released,
            event.responsible_la,
        )


IDENTITY_REVIEWS: Subscription[NotificationsUnitOfWork] = Subscription(
    name="identity-reviews", handlers={PossibleMatchResolved: release_held_notifications}
)
