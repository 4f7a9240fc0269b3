"""LA delivery by MESH: subscribing an LA's onboarded mailbox, and the platform mailbox events go from.

A MESH subscription's endpoint is the LA's mailbox id, and only a mailbox registered to that LA (by onboarding,
never by the LA's own say) may be subscribed: the platform sends children's events only where it knows the LA
collects them. Each event is one MESH message of workflow ``PATHFINDER_LA_EVENT`` whose local id is the event's
id (a message sent again carries the same local id: LAs deduplicate on it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, MeshContent, SubscriptionTerms
from pathfinder.notifications.domain.mesh_mailbox import MailboxRole, MeshMailbox, mailbox_id
from pathfinder.notifications.domain.subscription_checks import InvalidSubscription
from pathfinder.notifications.service_layer.la_subscriptions import add_subscription
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

__all__ = [
    "MailboxAlreadySubscribed",
    "MeshContent",
    "platform_mailbox",
    "sending_mailbox",
    "subscribe_la_mailbox",
]


def _now() -> datetime:
    return datetime.now(UTC)


class MailboxAlreadySubscribed(InvalidSubscription):
    """The LA already has a MESH subscription to that mailbox: change it rather than add another."""

    def __init__(self, mailbox: str, existing: UUID) -> None:
        super().__init__(f"MESH mailbox {mailbox} is subscribed already, by subscription {existing}")
        self.mailbox, self.existing = mailbox, existing


async def subscribe_la_mailbox(
    la_code: str,
    mailbox: str,
    content: MeshContent = MeshContent.CLOUDEVENTS,
    event_types: frozenset[str] | None = None,
    *,
    uow: NotificationsUnitOfWork,
    max_per_la: int | None = None,
    now: Callable[[], datetime] = _now,
) -> LaSubscription:
    """Subscribe LA ``la_code`` by MESH to its registered ``mailbox``, for ``event_types`` (None: every type an
    LA may receive); refused (:class:`MailboxNotOnboarded`) unless the mailbox is registered to that LA, and
    (:class:`MailboxAlreadySubscribed`) if it is subscribed already. Onboarding calls it: ``max_per_la``
    None holds it to no limit of the LA's subscriptions."""
    terms = SubscriptionTerms(event_types=event_types, endpoint=mailbox, mesh_content=content)
    subscription = LaSubscription.subscribe(uuid4(), la_code, Channel.MESH, terms, now())
    async with uow:
        existing = next(
            (
                found.id
                for found in await uow.subscriptions.of_la(la_code, lock=True)
                if found.channel is Channel.MESH and found.endpoint == subscription.endpoint
            ),
            None,
        )
        if existing is not None:
            raise MailboxAlreadySubscribed(mailbox_id(mailbox), existing)
        await add_subscription(uow, subscription, max_per_la=max_per_la)
        await uow.commit()
    return subscription


async def sending_mailbox(preferred: str | None, *, uow: NotificationsUnitOfWork) -> MeshMailbox | None:
    """The platform mailbox LA events go from: ``preferred`` if it is a registered platform mailbox, else the
    first platform mailbox registered; None when there is none to send from."""
    async with uow:
        if preferred is not None:
            found = await uow.mesh_mailboxes.get(mailbox_id(preferred))
            return found if found is not None and found.role is MailboxRole.PLATFORM else None
        own = await uow.mesh_mailboxes.of_role(MailboxRole.PLATFORM)
        return own[0] if own else None


async def platform_mailbox(mailbox: str, *, uow: NotificationsUnitOfWork) -> MeshMailbox | None:
    """The platform's own mailbox ``mailbox`` (with its password, sealed), or None if it is not registered."""
    async with uow:
        found = await uow.mesh_mailboxes.get(mailbox)
    return found if found is not None and found.role is MailboxRole.PLATFORM else None
