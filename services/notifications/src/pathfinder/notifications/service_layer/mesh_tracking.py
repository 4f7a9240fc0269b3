"""What became of the events sent to LAs by MESH, from MESH's tracking API.

A message sent to an LA's mailbox counts as delivered when MESH accepts it. MESH then says whether the LA
downloaded and acknowledged it, which is the LA's acknowledgement of the notification the event reports (as
``POST .../$acknowledge`` would be, with the MESH message id as its reference), or whether it can never be
delivered (undeliverable, or expired after MESH's 5 days), which raises the notification's acknowledgement-
overdue alert at once if MESH was the only way it reached the LA. A message the LA just leaves in its inbox
raises the same alert as any channel, when the acknowledgement timer finds it overdue.

Each step asks about deliveries not asked about for an interval: it marks them asked and commits first, asks
MESH with no transaction open, then records each answer in its own transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import LaSubscription
from pathfinder.notifications.domain.mesh_mailbox import MeshMailbox
from pathfinder.notifications.service_layer.mesh_subscriptions import platform_mailbox
from pathfinder.notifications.service_layer.ports import MeshPost, MeshRefused, MeshTracking, MeshUnavailable
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

log = logging.getLogger(__name__)
UnitOfWorkFactory = Callable[[], NotificationsUnitOfWork]

TRACKED_FOR = timedelta(days=7)
"""How long a message is tracked: beyond MESH's 5 days in an inbox, after which MESH itself gives up on it."""
_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,58}")


def _now() -> datetime:
    return datetime.now(UTC)


async def track_mesh_deliveries(
    *,
    unit_of_work: UnitOfWorkFactory,
    post: MeshPost,
    interval: timedelta,
    due_after: timedelta,
    now: Callable[[], datetime] = _now,
    limit: int = 50,
    tracked_for: timedelta = TRACKED_FOR,
) -> int:
    """One step of the tracking timer: how many deliveries it asked MESH about. ``interval`` is how long a
    message's status is trusted before MESH is asked again; ``due_after`` the LA's time to acknowledge."""
    at = now()
    async with unit_of_work() as uow:
        due = await uow.subscriptions.mesh_deliveries_to_track(at - interval, at - tracked_for, limit=limit)
        for subscription, delivery in due:
            delivery.mesh_checked(None, at)
            await uow.subscriptions.save(subscription)
        await uow.commit()
    senders: dict[str, MeshMailbox | None] = {}
    for subscription, delivery in due:
        sender, message_id = delivery.mesh_sender, delivery.mesh_message_id
        assert message_id is not None, "only deliveries sent by MESH are tracked"
        if sender is not None and sender not in senders:
            senders[sender] = await platform_mailbox(sender, uow=unit_of_work())
        mailbox = senders.get(sender) if sender is not None else None
        if mailbox is None:
            log.warning(
                "MESH message %s cannot be tracked: it went from %s, not a platform mailbox now", message_id, sender
            )
            continue
        try:
            tracking = await post.tracking(mailbox, message_id)
        except MeshUnavailable as error:
            log.info("MESH did not answer for message %s (%s): asking again later", message_id, error)
            continue
        except MeshRefused as error:
            log.warning("MESH will not track message %s: %s", message_id, error)
            continue
        await _record(unit_of_work(), subscription, delivery, tracking, due_after=due_after, at=now())
    return len(due)


async def _record(
    uow: NotificationsUnitOfWork,
    subscription: LaSubscription,
    delivery: LaDelivery,
    tracking: MeshTracking,
    *,
    due_after: timedelta,
    at: datetime,
) -> None:
    async with uow:
        current = await uow.subscriptions.get(subscription.id)
        again = await uow.subscriptions.delivery(current, delivery.id) if current and delivery.id else None
        if current is None or again is None or again.mesh_message_id != delivery.mesh_message_id:
            return  # removed, or sent again meanwhile: the new message is tracked in its turn
        again.mesh_checked(tracking.status, at)
        await uow.subscriptions.save(current)
        if tracking.acknowledged:
            collected = tracking.acknowledged_at or at
            await _acknowledged(uow, current, again, collected if collected.tzinfo else collected.replace(tzinfo=UTC))
        elif tracking.undeliverable:
            await _undeliverable(uow, current, again, due_after=due_after, at=at)
        await uow.commit()


async def _acknowledged(
    uow: NotificationsUnitOfWork, subscription: LaSubscription, delivery: LaDelivery, at: datetime
) -> None:
    """The LA downloaded the message and acknowledged it to MESH: it has taken the notification on."""
    notification_id, message_id = delivery.event.notification_id, delivery.mesh_message_id or ""
    if notification_id is None:
        return
    notification = await uow.notifications.get(notification_id, lock=True)
    if notification is None or not notification.brought_to_la or notification.acknowledged_at is not None:
        return  # acknowledged already (on its API, or by another message): the first acknowledgement stands
    if notification.responsible_la != subscription.la_code:
        return  # the child is another LA's now: only the responsible LA acknowledges
    reference = f"mesh:{message_id}" if _MESSAGE_ID.fullmatch(message_id) else None
    notification.acknowledge(reference, at)
    await uow.notifications.save(notification)


async def _undeliverable(
    uow: NotificationsUnitOfWork,
    subscription: LaSubscription,
    delivery: LaDelivery,
    *,
    due_after: timedelta,
    at: datetime,
) -> None:
    notification_id = delivery.event.notification_id
    if notification_id is None:
        return
    notification = await uow.notifications.get(notification_id, lock=True)
    if notification is None or notification.delivered_on - {subscription.id}:
        return  # it reached the LA another way too: the LA may still acknowledge it in time
    if notification.check_acknowledgement(due_after, at, undeliverable=True):
        log.warning("notification %s never reached LA %s by MESH: overdue now", notification.id, subscription.la_code)
        await uow.notifications.save(notification)
