"""The responsible LA acknowledges a notification delivered to it; if it does not in time, the alert is raised
once (as MESH's non-delivery report), and the sender sees both in its status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pathfinder.auth import AccessDenied
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Acknowledgement:
    notification_id: UUID
    la_reference: str | None
    acknowledged_at: datetime
    new: bool


async def acknowledge_notification(
    notification_id: UUID,
    la_reference: str | None,
    *,
    by_la: str | None,
    uow: NotificationsUnitOfWork,
    now: Callable[[], datetime] = _now,
) -> Acknowledgement | None:
    """The LA ``by_la`` takes the notification on; None when it was never brought to any LA's attention. Only
    the responsible LA may. A repeated acknowledgement answers as the first did and raises nothing."""
    async with uow:
        notification = await uow.notifications.get(notification_id, lock=True)
        if notification is None or not notification.brought_to_la:
            return None
        if by_la is None or by_la != notification.responsible_la:
            raise AccessDenied(f"{by_la} is not responsible LA {notification.responsible_la}")
        new = notification.acknowledge(la_reference, now())
        await uow.notifications.save(notification)
        await uow.commit()
    assert notification.acknowledged_at is not None
    return Acknowledgement(notification.id, notification.la_reference, notification.acknowledged_at, new)


async def raise_overdue_acknowledgements(
    *,
    uow: NotificationsUnitOfWork,
    due_after: timedelta,
    now: Callable[[], datetime] = _now,
    limit: int = 100,
) -> int:
    """One step of the acknowledgement timer: every delivered notification the LA has not acknowledged within
    ``due_after`` gets its overdue status and its one alert, in one transaction; how many were raised."""
    instant = now()
    raised = 0
    async with uow:
        for notification in await uow.notifications.delivered_unacknowledged(instant - due_after, limit=limit):
            if notification.check_acknowledgement(due_after, instant):
                await uow.notifications.save(notification)
                raised += 1
        await uow.commit()
    return raised
