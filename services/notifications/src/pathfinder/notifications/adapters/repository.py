"""Storing early-years notifications."""

from __future__ import annotations

from uuid import UUID

from pathfinder.notifications.adapters.tables import early_years_notification as table
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification, NotificationStatus
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession


class EarlyYearsNotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: list[EarlyYearsNotification] = []

    async def add(self, notification: EarlyYearsNotification) -> None:
        await self._session.execute(
            insert(table).values(
                id=notification.id,
                person_id=notification.person_id,
                responsible_la=notification.responsible_la,
                notifying_organisation=notification.notifying_organisation,
                opinion_formed_on=notification.opinion_formed_on,
                parent_informed=notification.parent_informed,
                discussion_offered=notification.discussion_offered,
                received_at=notification.received_at,
                status=notification.status.value,
            )
        )
        self.seen.append(notification)

    async def get(self, notification_id: UUID) -> EarlyYearsNotification | None:
        row = (await self._session.execute(select(table).where(table.c.id == notification_id))).one_or_none()
        if row is None:
            return None
        notification = EarlyYearsNotification(
            id=row.id,
            person_id=row.person_id,
            responsible_la=row.responsible_la,
            notifying_organisation=row.notifying_organisation,
            opinion_formed_on=row.opinion_formed_on,
            parent_informed=row.parent_informed,
            discussion_offered=row.discussion_offered,
            received_at=row.received_at,
            status=NotificationStatus(row.status),
        )
        self.seen.append(notification)
        return notification
