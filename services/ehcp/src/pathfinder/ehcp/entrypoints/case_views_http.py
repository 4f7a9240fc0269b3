"""What an LA system reads of a case: its stage, the steps it allows now, its history, each statutory limit's state
today (exceptions shown with their days) and, for an open assessment, the early warning. Pseudonymous: the
person id and the LA's own reference, nothing else about the child."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pathfinder.contracts.vocabulary import RiskReason, StatutoryLimit
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.lifecycle import HistoryEntry
from pathfinder.ehcp.entrypoints.commands_http import body_of
from pathfinder.ehcp.service_layer.case_views import AssessmentReading, PlanReading
from pydantic import BaseModel, Field


class HistoryView(BaseModel):
    step: str = Field(description="What happened, in the regulations' words (kebab-case)")
    on: date = Field(description="The London date it happened on, as the statutory clock counts it")
    recorded_at: datetime = Field(description="When it was recorded in Pathfinder")
    detail: dict[str, str] = Field(default_factory=dict)


class ExceptionDaysView(BaseModel):
    ground: str
    legal_basis: str
    first_day: date
    last_day: date | None = Field(description="None while the exception has no end yet")
    recorded_by: str
    recorded_at: datetime


class LimitView(BaseModel):
    limit: StatutoryLimit
    provision: str = Field(description="The regulation or section that sets it")
    subject: str | None = Field(description="Which advice request, review meeting or amendment it belongs to")
    starts_on: date
    statutory_due_on: date = Field(description="The last day the law gives")
    due_on: date | None = Field(description="The day it is due; none while an exception disapplies it")
    state: clock.LimitState
    met_on: date | None
    disapplied_by: list[ExceptionDaysView]
    working_target_on: date | None = Field(description="While disapplied: the day to aim for (not law)")
    owed_only_if: bool = Field(description="True for a limit owed only if the case ends that way (reg 10)")
    says: str = Field(description="The limit in an officer's words, as it stands today")


class RiskView(BaseModel):
    reason: RiskReason
    says: str
    days: int


class ForecastView(BaseModel):
    limit: StatutoryLimit
    due_on: date
    stage: str
    expected_on: date = Field(description="When the plan is expected, from the LA's median stage durations")
    expected_at_worst_on: date = Field(description="... and from their 90th percentiles")
    at_risk: bool
    reasons: list[RiskView] = Field(description="Why it is at risk, most telling first")


class AssessmentView(BaseModel):
    assessment_id: UUID
    person_id: UUID
    responsible_la: str
    la_reference: str | None
    requested_by: str
    request_received_on: date
    stage: str
    open: bool
    allowed_steps: list[str] = Field(description="The steps the case allows now")
    plan_id: UUID | None
    advice_requests: list[dict[str, Any]]
    exceptions: list[dict[str, Any]]
    history: list[HistoryView]
    limits: list[LimitView] = Field(description="Each statutory limit with its state on `as_of`")
    early_warning: ForecastView | None
    as_of: date


class PlanView(BaseModel):
    plan_id: UUID
    person_id: UUID
    responsible_la: str
    assessment_id: UUID
    issued_on: date
    stage: str = Field(description="maintained, under-review or ceased")
    allowed_steps: list[str]
    history: list[HistoryView]
    limits: list[LimitView]
    as_of: date


def _history(entries: list[HistoryEntry]) -> list[HistoryView]:
    return [
        HistoryView(step=one.step, on=one.on, recorded_at=one.recorded_at, detail=dict(one.detail)) for one in entries
    ]


def _limit(limit: clock.Limit, today: date) -> LimitView:
    return LimitView(
        limit=limit.limit, provision=limit.provision, subject=limit.subject, starts_on=limit.starts_on,
        statutory_due_on=limit.statutory_due_on, due_on=limit.due_on, state=limit.state, met_on=limit.met_on,
        disapplied_by=[
            ExceptionDaysView(
                ground=one.ground.value, legal_basis=one.legal_basis, first_day=one.days.first, last_day=one.days.last,
                recorded_by=one.recorded_by, recorded_at=one.recorded_at,
            )
            for one in limit.disapplied_by
        ],
        working_target_on=limit.working_target_on, owed_only_if=limit.conditional, says=limit.describe(today),
    )  # fmt: skip


def _forecast(forecast: clock.Forecast | None) -> ForecastView | None:
    if forecast is None:
        return None
    return ForecastView(
        limit=forecast.limit, due_on=forecast.due_on, stage=forecast.stage.value, expected_on=forecast.expected_on,
        expected_at_worst_on=forecast.expected_at_worst_on, at_risk=forecast.at_risk,
        reasons=[RiskView(reason=note.reason, says=note.text, days=note.days) for note in forecast.reasons],
    )  # fmt: skip


def assessment_view(reading: AssessmentReading) -> AssessmentView:
    case = reading.assessment
    return AssessmentView(
        assessment_id=case.assessment_id, person_id=case.person_id, responsible_la=case.responsible_la,
        la_reference=case.la_reference, requested_by=case.requested_by.value,
        request_received_on=case.request_received_on, stage=case.stage.value, open=case.open,
        allowed_steps=list(case.allowed_steps), plan_id=case.plan_id,
        advice_requests=[
            {"advice_request_id": str(one.advice_request_id), "kind": one.kind.value, "advisor": one.advisor,
             "requested_on": one.requested_on.isoformat(),
             "received_on": one.received_on.isoformat() if one.received_on else None}
            for one in case.advice.values()
        ],
        exceptions=[
            {"exception_id": str(exception_id), "ground": one.ground.value, "legal_basis": one.legal_basis,
             "starts_on": one.starts_on.isoformat(), "ends_on": one.ends_on.isoformat() if one.ends_on else None,
             "disapplies": [limit.value for limit in one.disapplies], "recorded_by": one.recorded_by,
             "recorded_in_error": one.struck_out}
            for exception_id, one in case.exceptions.items()
        ],
        history=_history(case.history), limits=[_limit(one, reading.today) for one in reading.limits],
        early_warning=_forecast(reading.forecast), as_of=reading.today,
    )  # fmt: skip


def plan_view(reading: PlanReading) -> PlanView:
    plan = reading.plan
    stage = "ceased" if not plan.maintained else ("under-review" if plan.review_in_progress else "maintained")
    return PlanView(
        plan_id=plan.plan_id, person_id=plan.person_id, responsible_la=plan.responsible_la,
        assessment_id=plan.assessment_id, issued_on=plan.issued_on, stage=stage,
        allowed_steps=list(plan.allowed_steps), history=_history(plan.history),
        limits=[_limit(one, reading.today) for one in reading.limits], as_of=reading.today,
    )  # fmt: skip


def render_assessment(reading: AssessmentReading) -> dict[str, Any]:
    return body_of(assessment_view(reading))


def render_plan(reading: PlanReading) -> dict[str, Any]:
    return body_of(plan_view(reading))
