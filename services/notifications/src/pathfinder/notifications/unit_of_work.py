"""The notifications unit of work: its repositories and the events their aggregates raise."""

from __future__ import annotations

from pathfinder.contracts import ContractEvent
from pathfinder.messaging.unit_of_work import SqlUnitOfWork
from pathfinder.notifications.adapters.repository import EarlyYearsNotificationRepository
from sqlalchemy.ext.asyncio import AsyncSession


class NotificationsUnitOfWork(SqlUnitOfWork):
    notifications: EarlyYearsNotificationRepository

    def open_repositories(self, session: AsyncSession) -> None:
        self.notifications = EarlyYearsNotificationRepository(session)

    def collect_new_events(self) -> list[ContractEvent]:
        events: list[ContractEvent] = []
        for notification in self.notifications.seen:
            events.extend(notification.events)
            notification.events.clear()
        return events
