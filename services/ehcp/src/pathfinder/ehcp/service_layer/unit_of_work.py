"""The ehcp unit of work as the use cases see it; the SQL one is in the adapters, the fast tests use a fake."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.child_case import ChildCase
from pathfinder.ehcp.domain.clock import LaHistory
from pathfinder.ehcp.domain.due_alerts import DueTimer
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.messaging.unit_of_work import UnitOfWork


class ChildCases(Protocol):
    async def get(self, person_id: UUID) -> ChildCase | None:
        """The case with its notices, locked for the transaction."""
        ...

    async def save(self, case: ChildCase) -> None:
        """The case if new, and the notices it holds that are not stored yet."""
        ...


class Assessments(Protocol):
    @property
    def seen(self) -> Iterable[EhcNeedsAssessment]: ...

    async def get(self, assessment_id: UUID) -> EhcNeedsAssessment | None:
        """The assessment, locked for the transaction."""
        ...

    async def of_person(self, person_id: UUID) -> list[EhcNeedsAssessment]:
        """Every assessment of the child, oldest request first, locked."""
        ...

    async def save(self, assessment: EhcNeedsAssessment) -> None:
        """The assessment as it now stands, new or not."""
        ...


class Plans(Protocol):
    @property
    def seen(self) -> Iterable[EhcPlan]: ...

    async def get(self, plan_id: UUID) -> EhcPlan | None:
        """The plan, locked for the transaction."""
        ...

    async def of_person(self, person_id: UUID) -> list[EhcPlan]:
        """Every plan of the child, oldest first, locked."""
        ...

    async def save(self, plan: EhcPlan) -> None:
        """The plan as it now stands, new or not."""
        ...


class DueTimers(Protocol):
    async def schedule(self, case_id: UUID, timers: Sequence[DueTimer]) -> None:
        """The case's timers not yet fired become exactly ``timers``; a timer already fired stays fired, and one
        with the same key as a fired timer is not scheduled again."""
        ...

    async def claim_due(self, now: datetime, limit: int) -> list[DueTimer]:
        """Up to ``limit`` unfired timers due by ``now``, earliest first, locked (skipping those another worker
        holds) until the transaction ends."""
        ...

    async def fired(self, timer: DueTimer, at: datetime) -> None:
        """Mark the timer fired: it never fires again."""
        ...

    async def raise_once(self, timer: DueTimer, at: datetime) -> bool:
        """An alert found rather than scheduled (an assessment found at risk), kept as fired at ``at``: True the
        first time its key is raised, False ever after."""
        ...


@dataclass(frozen=True)
class StoredReply:
    """The answer given to a command sent with an idempotency key, to give again for the same key."""

    request_digest: str
    status: int
    body: dict[str, Any]


class CommandReplies(Protocol):
    async def find(self, caller: str, key: str) -> StoredReply | None:
        """The reply kept for the caller's key; waits while another transaction holds the same key."""
        ...

    async def keep(self, caller: str, key: str, reply: StoredReply) -> None:
        """Kept with the command's effect, in its transaction."""
        ...


@dataclass(frozen=True)
class OpenCaseRow:
    """One line of an LA's open cases: an assessment or a maintained plan, with its next unmet limit."""

    case_id: UUID
    case_kind: str
    person_id: UUID
    la_reference: str | None
    stage: str
    next_limit: str | None
    next_due_on: date | None
    opened_on: date


@dataclass(frozen=True)
class OpenCaseFilter:
    responsible_la: str
    stages: tuple[str, ...] = ()
    due_on_or_before: date | None = None
    due_on_or_after: date | None = None


@dataclass(frozen=True)
class OpenCasePage:
    rows: list[OpenCaseRow]
    next_cursor: str | None
    """Opaque: give it back as ``after`` for the next page; None on the last page."""


class CaseViews(Protocol):
    async def open_cases(self, where: OpenCaseFilter, *, after: str | None, limit: int) -> OpenCasePage:
        """The LA's open cases, soonest next due date first (none last), then by case id; keyset-paged."""
        ...

    async def open_assessments(self, *, after: UUID | None, limit: int) -> list[UUID]:
        """Up to ``limit`` ids of open assessments of every LA, in id order after ``after``: a sweep's page."""
        ...

    async def la_history(self, responsible_la: str, *, today: date) -> LaHistory:
        """How long each assessment stage takes in this LA and how late each advisor is (medians and 90th
        percentiles in days), from its assessments of the last 2 years."""
        ...


class EhcpUnitOfWork(UnitOfWork):
    cases: ChildCases
    assessments: Assessments
    plans: Plans
    timers: DueTimers
    replies: CommandReplies
    views: CaseViews

    def repositories(self) -> Iterable[Any]:
        return (self.assessments, self.plans)
