"""A unit of work in memory, with the transaction semantics of the real one: each unit of work works on its own
copy of what is committed, ``commit`` makes that copy the committed state and publishes the events staged with
it, and ``rollback`` (or leaving without committing) throws the copy and its events away."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pathfinder.contracts import ContractEvent
from pathfinder.messaging.outbox_message import OutboxMessage
from pathfinder.messaging.unit_of_work import UnitOfWork

State = TypeVar("State")


@dataclass
class Committed(Generic[State]):
    """What a fake database holds: the committed state, and every event committed with it, in order."""

    state: State
    events: list[ContractEvent] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    commits: int = 0

    def events_of(self, kind: type[ContractEvent]) -> list[ContractEvent]:
        return [event for event in self.events if isinstance(event, kind)]


class InMemoryUnitOfWork(UnitOfWork, Generic[State]):
    def __init__(self, committed: Committed[State]) -> None:
        super().__init__()
        self.committed = committed
        self._state = deepcopy(committed.state)
        self._staged: list[ContractEvent] = []
        self._staged_messages: list[OutboxMessage] = []

    @abstractmethod
    def open_repositories(self, state: State) -> None:
        """Create the repositories on this transaction's copy of the state."""

    async def _begin(self) -> None:
        self._state = deepcopy(self.committed.state)
        self.open_repositories(self._state)

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        self._staged.extend(events)
        self._staged_messages.extend(messages)

    async def _commit(self) -> None:
        self.committed.state = deepcopy(self._state)
        self.committed.events.extend(self._staged)
        self.committed.messages.extend(self._staged_messages)
        self.committed.commits += 1
        self._staged, self._staged_messages = [], []

    async def _rollback(self) -> None:
        self._staged, self._staged_messages = [], []
        await self._begin()

    async def _close(self) -> None:
        self._staged, self._staged_messages = [], []
