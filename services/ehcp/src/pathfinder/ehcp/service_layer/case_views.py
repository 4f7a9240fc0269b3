"""What an LA reads: one assessment or plan with its history, each statutory limit's state today and (for an
open assessment) the early warning; and its open cases, filtered and paged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from pathfinder.auth import Principal, ensure_la_may_see
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.due_alerts import LONDON
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.commands import own, utc_now
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork, OpenCaseFilter, OpenCasePage

MAX_PAGE = 500


@dataclass
class LaHistories:
    """Each LA's history as the early warning reads it, worked out at most once per ``max_age`` per LA: it
    summarises two years of the LA's assessments and moves by the day, while an open case is read often."""

    max_age: timedelta = timedelta(hours=1)
    kept: dict[str, tuple[datetime, clock.LaHistory]] = field(default_factory=dict)

    async def of(self, responsible_la: str, uow: EhcpUnitOfWork, instant: datetime) -> clock.LaHistory:
        found, today = self.kept.get(responsible_la), instant.astimezone(LONDON).date()
        if found is not None and instant - found[0] < self.max_age and found[0].astimezone(LONDON).date() == today:
            return found[1]
        history = await uow.views.la_history(responsible_la, today=today)
        self.kept[responsible_la] = (instant, history)
        return history


@dataclass(frozen=True)
class AssessmentReading:
    assessment: EhcNeedsAssessment
    today: date
    limits: tuple[clock.Limit, ...]
    forecast: clock.Forecast | None


@dataclass(frozen=True)
class PlanReading:
    plan: EhcPlan
    today: date
    limits: tuple[clock.Limit, ...]


def read_assessment_now(
    assessment: EhcNeedsAssessment, instant: datetime, history: clock.LaHistory | None = None
) -> AssessmentReading:
    today = instant.astimezone(LONDON).date()
    facts = assessment.facts()
    forecast = clock.early_warning(facts, today, history) if history is not None else None
    return AssessmentReading(assessment, today, clock.limits(facts, today), forecast)


def read_plan_now(plan: EhcPlan, instant: datetime) -> PlanReading:
    today = instant.astimezone(LONDON).date()
    return PlanReading(plan, today, clock.limits(plan.facts(), today))


async def read_assessment(
    assessment_id: UUID,
    *,
    principal: Principal,
    uow: EhcpUnitOfWork,
    histories: LaHistories | None = None,
    now: Callable[[], datetime] = utc_now,
) -> AssessmentReading:
    """The assessment as it stands today, with the early warning while it is open."""
    instant, histories = now(), histories or LaHistories()
    async with uow:
        assessment = await uow.assessments.get(assessment_id)
        own(principal, assessment)
        assert assessment is not None
        history = None
        if assessment.open:
            history = await histories.of(assessment.responsible_la, uow, instant)
    return read_assessment_now(assessment, instant, history)


async def read_plan(
    plan_id: UUID, *, principal: Principal, uow: EhcpUnitOfWork, now: Callable[[], datetime] = utc_now
) -> PlanReading:
    async with uow:
        plan = await uow.plans.get(plan_id)
        own(principal, plan)
        assert plan is not None
    return read_plan_now(plan, now())


async def open_cases(
    where: OpenCaseFilter, *, after: str | None, limit: int, principal: Principal, uow: EhcpUnitOfWork
) -> OpenCasePage:
    """The LA's open assessments and maintained plans, soonest next due date first: an LA's own only (the platform
    may read any LA's)."""
    ensure_la_may_see(principal, where.responsible_la)
    async with uow:
        return await uow.views.open_cases(where, after=after, limit=max(1, min(limit, MAX_PAGE)))
