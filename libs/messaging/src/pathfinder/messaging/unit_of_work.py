"""The unit of work: one database transaction that commits a state change with its outbox rows.

Services subclass it to add their repositories. Handlers record events with :meth:`publish`; nothing
reaches the outbox, and so the broker, unless :meth:`commit` commits the whole transaction.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from pathfinder.contracts import ContractEvent
from pathfinder.messaging import outbox
from pathfinder.messaging.outbox import OutboxMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class SqlUnitOfWork:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, source: str) -> None:
        self._session_factory = session_factory
        self._source = source
        self._pending: list[OutboxMessage] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use 'async with uow:'")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._pending = []
        await self._session.begin()
        self.open_repositories(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._pending = []

    def open_repositories(self, session: AsyncSession) -> None:
        """Subclasses create their repositories on the session here."""

    def collect_new_events(self) -> list[ContractEvent]:
        """Subclasses hand over the events their aggregates raised since the last flush."""
        return []

    def publish(self, event: ContractEvent) -> OutboxMessage:
        message = outbox.message_for_event(event, source=self._source)
        self._pending.append(message)
        return message

    def publish_raw(self, message: OutboxMessage) -> None:
        self._pending.append(message)

    async def flush(self) -> None:
        """Write pending outbox rows (and the ORM's changes) without committing."""
        session = self.session
        for event in self.collect_new_events():
            self.publish(event)
        pending, self._pending = self._pending, []
        await outbox.stage(session, pending)
        await session.flush()

    async def commit(self) -> None:
        await self.flush()
        await self.session.commit()

    async def rollback(self) -> None:
        self._pending = []
        await self.session.rollback()
