"""The status an NHS body queries, and the outbound side's hooks that move it on: delivered to the LA,
acknowledged by it, or overdue (as a MESH non-delivery report, raised once when the LA has not acknowledged in
the configured time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from pathfinder.notifications.adapters.inbound_repository import InboundRepository
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification
from pathfinder.notifications.domain.inbound_notification import DeliveryChannel, InboundNotification, InboundStatus
from pathfinder.notifications.inbound_handlers import now_utc
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession


async def inbound_notification(notification_id: UUID, *, uow: NotificationsUnitOfWork) -> InboundNotification | None:
    async with uow:
        return await InboundRepository(uow.session).get(notification_id)


async def sent_notifications(
    notifying_organisation: str,
    *,
    uow: NotificationsUnitOfWork,
    status: InboundStatus | None = None,
    older_than: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[InboundNotification]:
    async with uow:
        return await InboundRepository(uow.session).sent_by(
            notifying_organisation, status=status, older_than=older_than, limit=limit
        )


async def record_delivery(
    notification_id: UUID, channel: DeliveryChannel, at: datetime, *, session: AsyncSession
) -> bool:
    """The outbound side's hook: the notification reached the responsible LA. Runs in the caller's transaction
    (``uow.session``) and commits with it; True on the first delivery, False after (or for an unknown id)."""
    repository = InboundRepository(session)
    notification = await repository.get(notification_id, for_update=True)
    if notification is None or not notification.record_delivery(channel, at):
        return False
    await repository.save(notification)
    return True


async def record_acknowledgement(
    notification_id: UUID, la_reference: str | None, at: datetime, *, session: AsyncSession
) -> bool:
    """The outbound side's hook: the responsible LA acknowledged the notification, with its own reference."""
    repository = InboundRepository(session)
    notification = await repository.get(notification_id, for_update=True)
    if notification is None or not notification.record_acknowledgement(la_reference, at):
        return False
    await repository.save(notification)
    return True


async def record_received(notification: EarlyYearsNotification, *, session: AsyncSession) -> None:
    """A notification that arrived already naming the child (the JSON API) gets its status row too."""
    await InboundRepository(session).add(
        InboundNotification(
            id=notification.id,
            notifying_organisation=notification.notifying_organisation,
            message_id=None,
            submission_format="json",
            received_at=notification.received_at,
            status=InboundStatus.RECEIVED,
            opinion_formed_on=notification.opinion_formed_on,
            responsible_la=notification.responsible_la,
            person_id=notification.person_id,
        )
    )


async def raise_overdue_acknowledgements(
    *,
    uow: NotificationsUnitOfWork,
    due_after: timedelta,
    now: Callable[[], datetime] = now_utc,
    limit: int = 100,
) -> int:
    """One step of the acknowledgement timer: every delivered notification the LA has not acknowledged within
    ``due_after`` gets its overdue status and its one alert event, in one transaction; how many were raised."""
    instant = now()
    async with uow:
        repository = InboundRepository(uow.session)
        raised = 0
        for notification in await repository.unacknowledged_delivered_before(instant - due_after, limit=limit):
            alert = notification.acknowledgement_overdue(due_after, instant)
            if alert is not None:
                uow.publish(alert)
                await repository.save(notification)
                raised += 1
        await uow.commit()
    return raised
