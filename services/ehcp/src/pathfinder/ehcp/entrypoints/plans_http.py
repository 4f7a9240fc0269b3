"""An EHC plan over HTTP once issued, for the LA maintaining it: the annual review (s44, regs 20-21), amendments
(reg 22), phase transfers (reg 18), a re-assessment requested (reg 27) and cessation (s45). Each step a POST,
idempotent on its key, answered with the plan as it now stands; a step out of turn is refused with 409."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pathfinder.contracts.plans import AmendmentCause, CessationReason
from pathfinder.contracts.vocabulary import PhaseTransfer
from pathfinder.ehcp.domain.plan import EhcPlan, ReviewDecision
from pathfinder.ehcp.entrypoints.case_views_http import PlanView, plan_view, render_plan
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
from pathfinder.ehcp.service_layer import case_views, commands
from pydantic import Field

router = APIRouter(prefix="/plans", tags=["EHC plans", "person-data"])


class ReviewMeetingNotice(Body):
    notified_on: date
    meeting_on: date = Field(description="At least 2 weeks after the notice (reg 20(3))")


class ReviewDecisionBody(Body):
    decided_on: date
    decision: ReviewDecision


class AmendmentsProposed(Body):
    proposed_on: date
    cause: AmendmentCause


class PhaseTransferBody(Body):
    transfer: PhaseTransfer
    transfer_on: date = Field(description="The day the child moves to the next phase")


class ReassessmentBody(Body):
    requested_on: date


class Cessation(Body):
    ceased_on: date
    reason: CessationReason


def _render(case: Any) -> dict[str, Any]:
    return render_plan(case_views.read_plan_now(case, datetime.now(UTC)))


async def _step(
    plan_id: UUID, act: Callable[[EhcPlan, datetime], object], dependencies: Dependencies, principal: Manager,
    command: Command,
) -> JSONResponse:  # fmt: skip
    return await run_command(
        commands.step_plan(
            plan_id, act, principal=principal, command=command, render=_render, uow=dependencies.unit_of_work()
        )
    )


@router.get("/{plan_id}", response_model=PlanView, summary="A plan with its history and statutory limits")
async def read_plan(plan_id: UUID, dependencies: Dependencies, principal: Reader) -> PlanView:
    """The plan as it stands today: stage (maintained, under review, ceased), the steps allowed now, its history and
    each statutory limit with its state. Another LA's plan is answered as none."""
    with refusals_as_problems():
        reading = await case_views.read_plan(plan_id, principal=principal, uow=dependencies.unit_of_work())
    return plan_view(reading)


@router.post("/{plan_id}/review-meeting-notice", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 20(3): the review meeting notified, at least 2 weeks ahead")  # fmt: skip
async def review_meeting_notice(
    plan_id: UUID, body: ReviewMeetingNotice, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 20(3): the review meeting notified, at least 2 weeks ahead; opens the review."""
    return await _step(
        plan_id, lambda plan, at: plan.notify_review_meeting(body.notified_on, body.meeting_on, at),
        dependencies, principal, command,
    )  # fmt: skip


@router.post("/{plan_id}/review-advice-circulated", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 20(4): the advice circulated, at least 2 weeks before the meeting")  # fmt: skip
async def review_advice_circulated(
    plan_id: UUID, body: Dated, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 20(4): the advice and information circulated at least 2 weeks before the meeting."""
    return await _step(
        plan_id, lambda plan, at: plan.circulate_review_advice(body.on, at), dependencies, principal, command
    )


@router.post("/{plan_id}/review-meeting", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="The review meeting held (report due in 2 weeks, decision in 4)")  # fmt: skip
async def review_meeting(
    plan_id: UUID, body: Dated, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """The review meeting held: the report is due within 2 weeks and the LA's decision within 4 (regs 20(7), 20(10))."""
    return await _step(
        plan_id, lambda plan, at: plan.hold_review_meeting(body.on, at), dependencies, principal, command
    )


@router.post("/{plan_id}/review-report", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 20(7): the review report sent")  # fmt: skip
async def review_report(
    plan_id: UUID, body: Dated, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 20(7): the review report sent to everyone invited."""
    return await _step(plan_id, lambda plan, at: plan.send_review_report(body.on, at), dependencies, principal, command)


@router.post("/{plan_id}/review-decision", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 20(10): the LA decided to keep, amend or cease the plan")  # fmt: skip
async def review_decision(
    plan_id: UUID, body: ReviewDecisionBody, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 20(10): the LA decided to keep, amend or cease the plan; closes the review."""
    return await _step(
        plan_id, lambda plan, at: plan.decide_review(body.decided_on, body.decision, at), dependencies, principal,
        command,
    )  # fmt: skip


@router.post("/{plan_id}/amendments-proposed", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 22: amendments proposed to the parent")  # fmt: skip
async def amendments_proposed(
    plan_id: UUID, body: AmendmentsProposed, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 22: the proposed amendments sent to the parent; the amended plan is due within 8 weeks (and after a
    review within 12 weeks of its meeting)."""
    return await _step(
        plan_id, lambda plan, at: plan.propose_amendments(body.proposed_on, body.cause, at), dependencies, principal,
        command,
    )  # fmt: skip


@router.post("/{plan_id}/amended-plan", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 22(3): the amended plan issued")  # fmt: skip
async def amended_plan(
    plan_id: UUID, body: Dated, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 22(3): the amended plan issued."""
    return await _step(plan_id, lambda plan, at: plan.issue_amended_plan(body.on, at), dependencies, principal, command)


@router.post("/{plan_id}/phase-transfer", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 18: a move to the next phase planned; the plan must be amended by 15 February")  # fmt: skip
async def phase_transfer(
    plan_id: UUID, body: PhaseTransferBody, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 18: a move to the next phase of education planned; the plan must be reviewed and amended before 15
    February of the year of the move (31 March into post-16). Answers with the last day in the limits."""
    return await _step(
        plan_id, lambda plan, at: plan.plan_phase_transfer(body.transfer, body.transfer_on, at), dependencies,
        principal, command,
    )  # fmt: skip


@router.post("/{plan_id}/reassessment-request", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="Reg 27: a re-assessment requested")  # fmt: skip
async def reassessment_request(
    plan_id: UUID, body: ReassessmentBody, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """Reg 27: a re-assessment requested of the plan (recorded on the plan)."""
    reassessment_id = uuid4()
    return await _step(
        plan_id, lambda plan, at: plan.request_reassessment(reassessment_id, body.requested_on, at), dependencies,
        principal, command,
    )  # fmt: skip


@router.post("/{plan_id}/cessation", response_model=PlanView, responses=COMMAND_RESPONSES,
             summary="s45: the LA ceased to maintain the plan")  # fmt: skip
async def cessation(
    plan_id: UUID, body: Cessation, dependencies: Dependencies, principal: Manager, command: Command
) -> JSONResponse:
    """s45: the LA ceased to maintain the plan, with the reason; no step is allowed after it."""
    return await _step(
        plan_id, lambda plan, at: plan.cease(body.ceased_on, body.reason, at), dependencies, principal, command
    )
