"""The notifications unit of work on PostgreSQL: both repositories on one session, committed with the outbox."""

from __future__ import annotations

from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.notifications.adapters.mesh_mailbox_repository import SqlMeshMailboxes
from pathfinder.notifications.adapters.mesh_passwords import MeshPasswords
from pathfinder.notifications.adapters.notification_repository import SqlEarlyYearsNotifications
from pathfinder.notifications.adapters.pending_child_sealing import PendingChildSealing
from pathfinder.notifications.adapters.subscription_repository import SqlLaSubscriptions
from pathfinder.notifications.adapters.subscription_secrets import SubscriptionSecrets
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class SqlNotificationsUnitOfWork(SqlUnitOfWork, NotificationsUnitOfWork):
    notifications: SqlEarlyYearsNotifications
    subscriptions: SqlLaSubscriptions
    mesh_mailboxes: SqlMeshMailboxes

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        source: str,
        secrets: SubscriptionSecrets,
        children: PendingChildSealing,
        mesh_passwords: MeshPasswords | None = None,
    ) -> None:
        super().__init__(session_factory, source=source)
        self._secrets = secrets
        self._children = children
        self._mesh_passwords = mesh_passwords

    def open_repositories(self, session: AsyncSession) -> None:
        self.notifications = SqlEarlyYearsNotifications(session, self._children)
        self.subscriptions = SqlLaSubscriptions(session, self._secrets)
        self.mesh_mailboxes = SqlMeshMailboxes(session, self._mesh_passwords)
