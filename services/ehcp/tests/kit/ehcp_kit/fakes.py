"""The ehcp unit of work in memory: committed cases, assessments, plans, timers and replies in a store, each unit
of work on copies of them, its writes applied on commit. The views answer as the SQL ones do (same order, same
paging, same cursor, same history), over the store and the unit of work's own writes."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.child_case import ChildCase
from pathfinder.ehcp.domain.due_alerts import DueTimer
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork, StoredReply
from pathfinder.messaging.outbox_message import OutboxMessage

from ehcp_kit.fake_views import FakeCaseViews

TimerKey = tuple[UUID, str, str, str, date]
Aggregate = TypeVar("Aggregate", EhcNeedsAssessment, EhcPlan)


def _stored(aggregate: Aggregate) -> Aggregate:
    """A copy as the database keeps it: without the events it raised, which go to the outbox."""
    kept = copy.deepcopy(aggregate)
    kept.events = []
    return kept


@dataclass
class FakeCaseStore:
    cases: dict[UUID, ChildCase] = field(default_factory=dict)
    events: list[ContractEvent] = field(default_factory=list)
    assessments: dict[UUID, EhcNeedsAssessment] = field(default_factory=dict)
    plans: dict[UUID, EhcPlan] = field(default_factory=dict)
    timers: dict[TimerKey, DueTimer] = field(default_factory=dict)
    """Every timer scheduled, fired or not; ``fired`` says which fired, and when."""
    fired: dict[TimerKey, datetime] = field(default_factory=dict)
    replies: dict[tuple[str, str], StoredReply] = field(default_factory=dict)
    claimed: set[TimerKey] = field(default_factory=set)
    """Timers an open unit of work holds (as ``FOR UPDATE``): another one's ``claim_due`` skips them."""

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


class FakeAssessments:
    """One copy per assessment in a unit of work, as the SQL repository hands out one object."""

    def __init__(self, store: FakeCaseStore) -> None:
        self._store = store
        self.handed: dict[UUID, EhcNeedsAssessment] = {}
        self.written: dict[UUID, EhcNeedsAssessment] = {}

    @property
    def seen(self) -> list[EhcNeedsAssessment]:
        return list(self.handed.values())

    async def get(self, assessment_id: UUID) -> EhcNeedsAssessment | None:
        if assessment_id not in self.handed:
            found = self.written.get(assessment_id) or self._store.assessments.get(assessment_id)
            if found is None:
                return None
            self.handed[assessment_id] = copy.deepcopy(found)
        return self.handed[assessment_id]

    async def of_person(self, person_id: UUID) -> list[EhcNeedsAssessment]:
        ids = {key for key, one in {**self._store.assessments, **self.written}.items() if one.person_id == person_id}
        found = [one for key in ids if (one := await self.get(key)) is not None]
        return sorted(found, key=lambda one: (one.request_received_on, one.assessment_id))

    async def save(self, assessment: EhcNeedsAssessment) -> None:
        self.handed[assessment.assessment_id] = assessment
        self.written[assessment.assessment_id] = _stored(assessment)


class FakePlans:
    def __init__(self, store: FakeCaseStore) -> None:
        self._store = store
        self.handed: dict[UUID, EhcPlan] = {}
        self.written: dict[UUID, EhcPlan] = {}

    @property
    def seen(self) -> list[EhcPlan]:
        return list(self.handed.values())

    async def get(self, plan_id: UUID) -> EhcPlan | None:
        if plan_id not in self.handed:
            found = self.written.get(plan_id) or self._store.plans.get(plan_id)
            if found is None:
                return None
            self.handed[plan_id] = copy.deepcopy(found)
        return self.handed[plan_id]

    async def of_person(self, person_id: UUID) -> list[EhcPlan]:
        ids = {key for key, one in {**self._store.plans, **self.written}.items() if one.person_id == person_id}
        found = [one for key in ids if (one := await self.get(key)) is not None]
        return sorted(found, key=lambda one: (one.issued_on, one.plan_id))

    async def save(self, plan: EhcPlan) -> None:
        self.handed[plan.plan_id] = plan
        self.written[plan.plan_id] = _stored(plan)


class FakeDueTimers:
    def __init__(self, store: FakeCaseStore) -> None:
        self._store = store
        self.scheduled: dict[TimerKey, DueTimer | None] = {}
        """This unit of work's changes: a timer added, or (None) taken away."""
        self.newly_fired: dict[TimerKey, datetime] = {}
        self.claimed: set[TimerKey] = set()

    def _timers(self) -> dict[TimerKey, DueTimer]:
        merged: dict[TimerKey, DueTimer | None] = {**self._store.timers, **self.scheduled}
        return {key: timer for key, timer in merged.items() if timer is not None}

    def _is_fired(self, key: TimerKey) -> bool:
        return key in self.newly_fired or key in self._store.fired

    async def schedule(self, case_id: UUID, timers: Sequence[DueTimer]) -> None:
        for key, timer in self._timers().items():
            if timer.case_id == case_id and not self._is_fired(key):
                self.scheduled[key] = None
        for timer in timers:
            if not self._is_fired(timer.key):
                self.scheduled[timer.key] = timer

    async def claim_due(self, now: datetime, limit: int) -> list[DueTimer]:
        due = sorted(
            (
                timer
                for key, timer in self._timers().items()
                if not self._is_fired(key) and timer.fires_at <= now and key not in self._store.claimed
            ),
            key=lambda timer: (timer.fires_at, timer.key),
        )[:limit]
        self.claimed.update(timer.key for timer in due)
        self._store.claimed.update(timer.key for timer in due)
        return due

    async def fired(self, timer: DueTimer, at: datetime) -> None:
        self.scheduled[timer.key] = self._timers().get(timer.key, timer)
        self.newly_fired[timer.key] = at

    async def raise_once(self, timer: DueTimer, at: datetime) -> bool:
        if self._is_fired(timer.key):
            return False
        await self.fired(timer, at)
        return True

    def release(self) -> None:
        self._store.claimed.difference_update(self.claimed)
        self.claimed = set()


class FakeCommandReplies:
    def __init__(self, store: FakeCaseStore) -> None:
        self._store = store
        self.kept: dict[tuple[str, str], StoredReply] = {}

    async def find(self, caller: str, key: str) -> StoredReply | None:
        return self.kept.get((caller, key)) or self._store.replies.get((caller, key))

    async def keep(self, caller: str, key: str, reply: StoredReply) -> None:
        if (caller, key) in self.kept or (caller, key) in self._store.replies:
            raise ValueError("a reply is already kept for this key")
        self.kept[(caller, key)] = reply


class FakeEhcpUnitOfWork(EhcpUnitOfWork):
    cases: FakeChildCases
    assessments: FakeAssessments
    plans: FakePlans
    timers: FakeDueTimers
    replies: FakeCommandReplies
    views: FakeCaseViews

    def __init__(self, store: FakeCaseStore) -> None:
        super().__init__()
        self.store = store

    async def _begin(self) -> None:
        self.cases = FakeChildCases(self.store)
        self.assessments = FakeAssessments(self.store)
        self.plans = FakePlans(self.store)
        self.timers = FakeDueTimers(self.store)
        self.replies = FakeCommandReplies(self.store)
        self.views = FakeCaseViews(
            lambda: {**self.store.assessments, **self.assessments.written},
            lambda: {**self.store.plans, **self.plans.written},
        )
        self._staged: list[ContractEvent] = []

    async def _stage(self, events: Sequence[ContractEvent], messages: Sequence[OutboxMessage]) -> None:
        self._staged.extend(events)

    async def _commit(self) -> None:
        store = self.store
        store.cases.update({person: copy.deepcopy(case) for person, case in self.cases.written.items()})
        store.assessments.update({key: _stored(one) for key, one in self.assessments.written.items()})
        store.plans.update({key: _stored(one) for key, one in self.plans.written.items()})
        for key, timer in self.timers.scheduled.items():
            if timer is None:
                store.timers.pop(key, None)
            else:
                store.timers[key] = timer
        store.fired.update(self.timers.newly_fired)
        store.replies.update(self.replies.kept)
        store.events.extend(self._staged)
        self.timers.release()
        await self._begin()

    async def _rollback(self) -> None:
        if hasattr(self, "timers"):
            self.timers.release()
        await self._begin()

    async def _close(self) -> None:
        return None
