"""The ehcp unit of work as the use cases see it; the SQL one is in the adapters, the fast tests use a fake."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from pathfinder.ehcp.domain.child_case import ChildCase
from pathfinder.messaging.unit_of_work import UnitOfWork


class ChildCases(Protocol):
    async def get(self, person_id: UUID) -> ChildCase | None:
        """The case with its notices, locked for the transaction."""
        ...

    async def save(self, case: ChildCase) -> None:
        """The case if new, and the notices it holds that are not stored yet."""
        ...


class EhcpUnitOfWork(UnitOfWork):
    cases: ChildCases
