"""The ehcp unit of work in memory: committed cases in a store, each unit of work on copies of them."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.ehcp.domain.child_case import ChildCase
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.outbox_message import OutboxMessage


@dataclass
class FakeCaseStore:
    cases: dict[UUID, ChildCase] = field(default_factory=dict)
    events: list[ContractEvent] = field(default_factory=list)

    def unit_of_work(self) -> FakeEhcpUnitOfWork:
        return FakeEhcpUnitOfWork(self)


class FakeChildCases:
    def __init__(self, store: FakeCaseStore) -> None:
        self._store = store
        self.written: dict[UUID, ChildCase] = {}

    async def get(self, person_id: UUID) -> ChildCase | None:
        found = self.written.get(person_id) or self._store.cases.get(person_id)
        return copy.deepcopy(found) if found is not None else None

    async def save(self, case: ChildCase) -> None:
        self.written[case.person_id] = case


class FakeEhcpUnitOfWork(EhcpUnitOfWork):
    cases: FakeChildCases

    def __init__(self, store: FakeCaseStore) -> None:
        super().__init__()
        self.store = store

    async def _begin(self) -> None:
        self.cases = FakeChildCases(self.store)
        self._staged: list[ContractEvent] = []

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        self._staged.extend(events)

    async def _commit(self) -> None:
        self.store.cases.update({person: copy.deepcopy(case) for person, case in self.cases.written.items()})
        self.store.events.extend(self._staged)
        await self._begin()

    async def _rollback(self) -> None:
        self._staged = []

    async def _close(self) -> None:
        return None
