"""The EHC needs assessment over HTTP, for the LA responsible for the child (``cases:manage`` to take a step,
``cases:read`` to read): each step a POST, idempotent on its key, answered with the assessment as it now stands;
a step the case does not allow now is refused with 409 naming the steps it allows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pathfinder.contracts.vocabulary import AdviceKind, AssessmentException, ConsultedBody, Requester, StatutoryLimit
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.lifecycle import InvalidStep
from pathfinder.ehcp.entrypoints.case_views_http import AssessmentView, assessment_view, render_assessment
from pathfinder.ehcp.entrypoints.commands_http import (
    COMMAND_RESPONSES,
    Body,
    Command,
    Dated,
    Manager,
    Reader,
    refusals_as_problems,
    run_command,
)
from pathfinder.ehcp.entrypoints.http_dependencies import Dependencies
from pathfinder.ehcp.service_layer import assessments, case_views, commands
from pydantic import Field

router = APIRouter(prefix="/assessments", tags=["EHC needs assessments", "person-data"])
LaReference = Field(default=None, pattern=r"^[A-Za-z0-9/_.-]{1,40}$", description="The LA's own case reference")


class AssessmentRequest(Body):
    person_id: UUID = Field(description="The child's pseudonymous person id (from identity or an event)")
    requested_by: Requester
    received_on: date = Field(description="The London date the LA received the request: day 0 of the clock")
    la_reference: str | None = LaReference
    early_years_notification_id: UUID | None = Field(
        default=None, description="The early-years notification on the child's case that brought them to notice"
    )


class ConsiderationNotices(Body):
    notified_on: date
    notified: list[ConsultedBody] = Field(min_length=1, description="Whom the LA told (reg 4(2))")


class Decision(Body):
    decision: Literal["assess", "not-assess"]
    decided_on: date = Field(description="The day the parent was notified of it (reg 5(1))")


class AdviceRequestBody(Body):
    advice_request_id: UUID | None = Field(default=None, description="Yours to choose; one is made if absent")
    kind: AdviceKind
    advisor_organisation: str | None = Field(
        default=None, pattern=r"^[A-Z0-9]{3,10}$", description="ODS code of the NHS body asked (health advice)"
    )
    requested_on: date = Field(description="The day the advisor received the request: day 0 of its 6 weeks")


class AdviceArrived(Body):
    received_on: date


class Representations(Body):
    received_on: date
    particular_setting_requested: bool = Field(description="Whether the parent asked for a setting to be named")


class FinalPlan(Body):
    issued_on: date
    icb: str = Field(pattern=r"^[A-Z0-9]{3,10}$", description="ODS code of the ICB sent a copy (s39(5))")


class ExceptionBody(Body):
    exception_id: UUID | None = None
    ground: AssessmentException
    legal_basis: str = Field(pattern=r"^(reg|s|S\.I\.) [0-9A-Za-z().\s/]{1,40}$", examples=["reg 13(3)(b)"])
    starts_on: date
    ends_on: date | None = None
    disapplies: list[StatutoryLimit] = Field(min_length=1, description="Exactly which limits it disapplies")


class ExceptionCleared(Body):
    cleared_on: date = Field(description="The first day it no longer applied")
    recorded_in_error: bool = False


def _render(case: Any) -> dict[str, Any]:
    return render_assessment(case_views.read_assessment_now(case, datetime.now(UTC)))


def _step(
    assessment_id: UUID, act: Callable[[EhcNeedsAssessment, datetime], object], dependencies: Dependencies,
    principal: Manager, command: Command,
) -> Any:  # fmt: skip
    return commands.step_assessment(
        assessment_id, act, principal=principal, command=command, render=_render, uow=dependencies.unit_of_work()
    )


@router.post("", status_code=201, response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="A request for an EHC needs assessment received (the clock starts)")  # fmt: skip
async def request_assessment(
    body: AssessmentRequest, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """For a child your LA is responsible for, as ehcp knows it (from an early-years notification or identity's
    linking); any other person id is answered 404. One open assessment per child: another is refused with 409."""
    return await run_command(
        assessments.request_assessment(
            person_id=body.person_id, requested_by=body.requested_by, received_on=body.received_on,
            la_reference=body.la_reference, early_years_notification=body.early_years_notification_id,
            principal=principal, command=command, render=_render, uow=dependencies.unit_of_work(),
        )
    )  # fmt: skip


@router.get("/{assessment_id}", response_model=AssessmentView, summary="An assessment with its history and clock")
async def read_assessment(assessment_id: UUID, dependencies: Dependencies, principal: Reader) -> AssessmentView:
    """The assessment as it stands today: stage, the steps allowed now, its history, each statutory limit with its
    state (exceptions shown with their days) and, while it is open, the early warning in an officer's words.
    Another LA's assessment is answered as none."""
    with refusals_as_problems():
        reading = await case_views.read_assessment(
            assessment_id, principal=principal, uow=dependencies.unit_of_work(), histories=dependencies.la_histories
        )
    return assessment_view(reading)


@router.post("/{assessment_id}/consideration-notices", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="Reg 4(2): LA tells ICB, social care, setting it considers assessing")  # fmt: skip
async def consideration_notices(
    assessment_id: UUID, body: ConsiderationNotices, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 4(2): whom the LA told that it is considering an assessment. Once only; then the decision."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.notify_consideration(body.notified_on, tuple(body.notified), at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/decision", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="Reg 5: the decision whether to assess")  # fmt: skip
async def decision(
    assessment_id: UUID, body: Decision, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 5(1): the decision whether to assess, dated the day the parent was notified; `within_statutory_limit` of
    its 6 weeks, exceptions taken into account. A second decision is refused (409)."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.decide(body.decision, body.decided_on, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/advice-requests", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="Reg 6(1): advice sought from one source (health: via health-advice)")  # fmt: skip
async def advice_requested(
    assessment_id: UUID, body: AdviceRequestBody, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 6(1): advice sought from one source, dated the day the advisor received the request (its 6 weeks run
    from then, reg 8(1)). Health advice names the NHS body (ODS code) and goes to the health-advice service by
    event; other advice is recorded here as it arrives."""
    advice_request_id = body.advice_request_id or uuid4()

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.request_advice(advice_request_id, body.kind, body.advisor_organisation, body.requested_on, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/advice-requests/{advice_request_id}/received", response_model=AssessmentView,
             responses=COMMAND_RESPONSES, summary="The advice asked for arrived")  # fmt: skip
async def advice_received(
    assessment_id: UUID, advice_request_id: UUID, body: AdviceArrived, dependencies: Dependencies,
    principal: Manager, command: Command,
) -> JSONResponse:  # fmt: skip
    """The advice asked for arrived, judged against its 6 weeks. A repeat changes nothing."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.receive_advice(advice_request_id, body.received_on, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/decision-not-to-issue", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="Reg 10: after assessing, the LA decided not to secure a plan")  # fmt: skip
async def decision_not_to_issue(
    assessment_id: UUID, body: Dated, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 10(1): after assessing, the LA decided not to secure a plan (within 16 weeks of the request)."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.decide_not_to_issue(body.on, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/draft-plan", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="Reg 13(1): the draft plan served on the parent")  # fmt: skip
async def draft_plan(
    assessment_id: UUID, body: Dated, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 13(1): the draft plan served on the parent, who has at least 15 days, counting that day, to comment."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.serve_draft(case.plan_id or uuid4(), body.on, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/representations", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="The parent's representations on the draft, and whether they ask for a setting")  # fmt: skip
async def representations(
    assessment_id: UUID, body: Representations, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """The parent's representations on the draft, and whether they ask for a particular setting to be named."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.receive_representations(body.received_on, body.particular_setting_requested, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/final-plan", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="s39(5): the final plan issued, a copy to the ICB; maintained from then")  # fmt: skip
async def final_plan(
    assessment_id: UUID, body: FinalPlan, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """s39(5), reg 13(2): the final plan issued (within 20 weeks of the request), a copy to the ICB; the plan is
    maintained from that day (`plan_id` in the answer), its first review due within 12 months."""
    return await run_command(
        assessments.issue_final_plan(
            assessment_id, issued_on=body.issued_on, icb=body.icb, principal=principal, command=command,
            render=_render, uow=dependencies.unit_of_work(),
        )
    )  # fmt: skip


@router.post("/{assessment_id}/exceptions", response_model=AssessmentView, responses=COMMAND_RESPONSES,
             summary="Regs 5(4), 10(4), 13(3): an exception to the 6, 16 or 20 weeks, as a dated fact")  # fmt: skip
async def record_exception(
    assessment_id: UUID, body: ExceptionBody, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Regs 5(4), 10(4), 13(3): an exception to the 6, 16 or 20 weeks as a dated fact: its ground, the provision
    relied on, its days, exactly which limits it disapplies, and who recorded it (the caller). A waiting list is
    never an exception; a ground the rules in force did not recognise is refused (422)."""
    exception_id = body.exception_id or uuid4()

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        try:
            recorded = clock.RecordedException(
                body.ground, body.legal_basis, body.starts_on, body.ends_on, tuple(body.disapplies),
                f"{principal.organisation}/{principal.subject}", at,
            )  # fmt: skip
        except ValueError as invalid:
            raise InvalidStep(str(invalid)) from None
        case.record_exception(exception_id, recorded, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))


@router.post("/{assessment_id}/exceptions/{exception_id}/cleared", response_model=AssessmentView,
             responses=COMMAND_RESPONSES, summary="The exception ended, or was recorded in error")  # fmt: skip
async def clear_exception(
    assessment_id: UUID, exception_id: UUID, body: ExceptionCleared, dependencies: Dependencies,
    principal: Manager, command: Command,
) -> JSONResponse:  # fmt: skip
    """The exception stopped applying on `cleared_on`, or was recorded in error (then it never applied). The
    limits and timers are recomputed."""

    def act(case: EhcNeedsAssessment, at: datetime) -> None:
        case.clear_exception(exception_id, body.cleared_on, body.recorded_in_error, at)

    return await run_command(_step(assessment_id, act, dependencies, principal, command))
