"""The unit of work, as the service layer sees it: one transaction that commits a state change together with
the events it raised, or nothing at all.

Repositories remember the aggregates they handed out (``seen``); on commit the unit of work collects the
events those aggregates raised and stages them with anything published directly, so no event is published
unless its state change commits, and a rolled-back transaction leaves no event behind. This module needs no
database: :class:`~pathfinder.messaging.sql_unit_of_work.SqlUnitOfWork` commits to PostgreSQL with an outbox,
and the fakes of the fast tests keep everything in memory.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Protocol, Self

from pathfinder.contracts import ContractEvent
from pathfinder.messaging.outbox_message import OutboxMessage


class Aggregate(Protocol):
    """What the unit of work asks of an aggregate: the events it raised since it was loaded."""

    @property
    def events(self) -> list[ContractEvent]: ...


class TracksAggregates(Protocol):
    """What the unit of work asks of a repository: the aggregates it handed out or was given."""

    @property
    def seen(self) -> Iterable[Aggregate]: ...


class UnitOfWork(ABC):
    def __init__(self) -> None:
        self._events: list[ContractEvent] = []
        self._messages: list[OutboxMessage] = []

    async def __aenter__(self) -> Self:
        self._events, self._messages = [], []
        await self._begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self._close()

    def repositories(self) -> Iterable[TracksAggregates]:
        """The repositories whose aggregates' events this unit of work publishes; subclasses name theirs."""
        return ()

    def publish(self, event: ContractEvent) -> None:
        """An event that no aggregate raised (a timer's alert, say): published if the transaction commits."""
        self._events.append(event)

    def publish_raw(self, message: OutboxMessage) -> None:
        """A record already in its wire form (a copy for an LA's topic, a dead letter)."""
        self._messages.append(message)

    def collect_new_events(self) -> list[ContractEvent]:
        """Everything published or raised since the last flush, in order; handed over once."""
        events, self._events = self._events, []
        for repository in self.repositories():
            for aggregate in repository.seen:
                events.extend(aggregate.events)
                aggregate.events.clear()
        return events

    async def commit(self) -> None:
        await self.flush()
        await self._commit()

    async def flush(self) -> None:
        """Stage what is pending without committing, so that later statements of the transaction see it."""
        events = self.collect_new_events()
        messages, self._messages = self._messages, []
        await self._stage(events, messages)

    async def rollback(self) -> None:
        """Undo the transaction and drop every event it raised, so none is published later."""
        self._events, self._messages = [], []
        for repository in self.repositories():
            for aggregate in repository.seen:
                aggregate.events.clear()
        await self._rollback()

    @abstractmethod
    async def _begin(self) -> None: ...

    @abstractmethod
    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None: ...

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    async def _rollback(self) -> None: ...

    @abstractmethod
    async def _close(self) -> None:
        """Release what ``_begin`` took (a connection)."""
