"""Commands of the notifications service, one function each, dependencies by name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification
from pathfinder.notifications.inbound_status import record_acknowledgement, record_delivery, record_received
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork

__all__ = [
    "SubmitEarlyYearsNotification",
    "early_years_notification",
    "record_acknowledgement",
    "record_delivery",
    "submit_early_years_notification",
]


@dataclass(frozen=True)
class SubmitEarlyYearsNotification:
    person_id: UUID
    responsible_la: str
    notifying_organisation: str
    opinion_formed_on: date
    parent_informed: bool
    discussion_offered: bool


async def submit_early_years_notification(
    command: SubmitEarlyYearsNotification, uow: NotificationsUnitOfWork, *, now: datetime | None = None
) -> EarlyYearsNotification:
    """Accept the notification: it and its NotificationReceived event commit together or not at all."""
    async with uow:
        notification = EarlyYearsNotification.receive(
            notification_id=uuid4(),
            person_id=command.person_id,
            responsible_la=command.responsible_la,
            notifying_organisation=command.notifying_organisation,
            opinion_formed_on=command.opinion_formed_on,
            parent_informed=command.parent_informed,
            discussion_offered=command.discussion_offered,
            received_at=now or datetime.now(UTC),
        )
        await uow.notifications.add(notification)
        await record_received(notification, session=uow.session)
        await uow.commit()
    return notification


async def early_years_notification(
    notification_id: UUID, uow: NotificationsUnitOfWork
) -> EarlyYearsNotification | None:
    async with uow:
        return await uow.notifications.get(notification_id)
