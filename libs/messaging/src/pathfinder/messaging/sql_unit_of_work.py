"""The unit of work on PostgreSQL: one database transaction that commits a state change with its outbox rows.

Services subclass it to open their repositories on the session. Nothing reaches the outbox, and so the broker,
unless :meth:`commit` commits the whole transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pathfinder.contracts import ContractEvent
from pathfinder.messaging import outbox
from pathfinder.messaging.faults import fault_point
from pathfinder.messaging.outbox_message import OutboxMessage
from pathfinder.messaging.unit_of_work import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass(frozen=True)
class CrashPoints:
    """Named fault points (:mod:`pathfinder.messaging.faults`) just before and just after the commit, for a crash
    test of one use case's transaction."""

    before_commit: str
    after_commit: str


class SqlUnitOfWork(UnitOfWork):
    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], *, source: str, crash_points: CrashPoints | None = None
    ) -> None:
        super().__init__()
        self._session_factory = session_factory
        self._source = source
        self._session: AsyncSession | None = None
        self._crash_points = crash_points

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use 'async with uow:'")
        return self._session

    def open_repositories(self, session: AsyncSession) -> None:
        """Subclasses create their repositories on the session here."""

    async def _begin(self) -> None:
        self._session = self._session_factory()
        await self._session.begin()
        self.open_repositories(self._session)

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        # Each event is wrapped here, inside the caller's trace context, so its "create" span and
        # traceparent belong to the request or event that caused it.
        staged = [*(outbox.message_for_event(event, source=self._source) for event in events), *messages]
        await outbox.stage(self.session, staged)
        await self.session.flush()

    async def _commit(self) -> None:
        if self._crash_points is None:
            await self.session.commit()
            return
        fault_point(self._crash_points.before_commit)
        await self.session.commit()
        fault_point(self._crash_points.after_commit)

    async def _rollback(self) -> None:
        if self._session is not None and self._session.in_transaction():
            await self._session.rollback()

    async def _close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
