"""The use cases that open a case: a request for an EHC needs assessment, and the final plan that starts a plan's
life; and what follows the child when the person index moves them to another LA."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from uuid import UUID, uuid4

from pathfinder.auth import Principal
from pathfinder.contracts.vocabulary import AdviceClockStopReason, Requester
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.advisor_exceptions import advisor_clock_restarted, advisor_clock_stopped
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.lifecycle import InvalidStep, StepRefused
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.commands import (
    CaseNotFound,
    CommandKey,
    Render,
    Reply,
    answered,
    replayed,
    save,
    step_assessment,
    utc_now,
)
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork


async def request_assessment(
    *,
    person_id: UUID,
    requested_by: Requester,
    received_on: date,
    la_reference: str | None,
    early_years_notification: UUID | None,
    principal: Principal,
    command: CommandKey,
    render: Render,
    uow: EhcpUnitOfWork,
    now: Callable[[], datetime] = utc_now,
    new_id: Callable[[], UUID] = uuid4,
) -> Reply:
    """The LA received a request for an assessment of a child it is responsible for, or the child was brought to
    its attention (by an early-years notification on the child's case, say): the clock starts. A child ehcp does
    not know for the caller's LA is answered as unknown, whether unknown or another LA's; while an assessment of
    the child is open, another is refused (409)."""
    async with uow:
        if (again := await replayed(uow, command)) is not None:
            return again
        case = await uow.cases.get(person_id)
        if case is None or principal.la_code != case.responsible_la:
            raise CaseNotFound()
        if early_years_notification is not None and all(
            notice.notification_id != early_years_notification for notice in case.early_years_notices
        ):
            raise InvalidStep("the child's case holds no early-years notification with that id")
        under_way = [one for one in await uow.assessments.of_person(person_id) if one.open]
        if under_way:
            raise StepRefused("request", f"under assessment ({under_way[0].assessment_id})", ())
        instant = now()
        assessment = EhcNeedsAssessment.request(
            assessment_id=new_id(), person_id=person_id, responsible_la=case.responsible_la,
            requested_by=requested_by, received_on=received_on, la_reference=la_reference, at=instant,
        )  # fmt: skip
        await save(uow, assessment, instant)
        return await answered(uow, command, 201, render(assessment))


async def issue_final_plan(
    assessment_id: UUID,
    *,
    issued_on: date,
    icb: str,
    principal: Principal,
    command: CommandKey,
    render: Render,
    uow: EhcpUnitOfWork,
    now: Callable[[], datetime] = utc_now,
) -> Reply:
    """s39(5): the final plan is issued (a copy to the ICB) and the plan is maintained from that day, its first
    review due within 12 months (s44)."""

    def issue(assessment: EhcNeedsAssessment, at: datetime) -> None:
        plan_id = assessment.issue_final_plan(issued_on, icb, at)
        issued.append(
            EhcPlan.issued(
                plan_id=plan_id, person_id=assessment.person_id, responsible_la=assessment.responsible_la,
                assessment_id=assessment.assessment_id, issued_on=issued_on, at=at,
                la_reference=assessment.la_reference,
            )
        )  # fmt: skip

    issued: list[EhcPlan] = []
    return await step_assessment(
        assessment_id, issue, principal=principal, command=command, render=render, uow=uow, now=now,
        also_save=issued,
    )  # fmt: skip


async def follow_child(*, person_id: UUID, responsible_la: str, at: datetime, uow: EhcpUnitOfWork) -> None:
    """The child's assessments and plans move with the child to the LA now responsible (the person index owns the
    child's LA). Runs in the caller's transaction and never commits."""
    for assessment in await uow.assessments.of_person(person_id):
        if assessment.responsible_la != responsible_la:
            assessment.responsible_la = responsible_la
            await save(uow, assessment, at)
    for plan in await uow.plans.of_person(person_id):
        if plan.responsible_la != responsible_la:
            plan.responsible_la = responsible_la
            await save(uow, plan, at)


async def health_advice_given(
    *, person_id: UUID, advice_request_id: UUID, given_at: datetime, uow: EhcpUnitOfWork
) -> bool:
    """The health-advice service reports the advice given: recorded on the assessment that asked for it, judged by
    this assessment's own clock. False when no open assessment of the child asked for it, or it was recorded
    already (a redelivery, or an officer recorded it by hand). Runs in the caller's transaction."""
    assessment = await _asking(uow, person_id, advice_request_id)
    if assessment is None or "receive-advice" not in assessment.allowed_steps:
        return False
    if not assessment.receive_advice(advice_request_id, clock.london_date(given_at), given_at):
        return False
    await save(uow, assessment, given_at)
    return True


async def health_advice_clock_stopped(
    *, person_id: UUID, advice_request_id: UUID, reason: AdviceClockStopReason, stopped_on: date, health_body: str,
    at: datetime, uow: EhcpUnitOfWork,
) -> bool:  # fmt: skip
    """The health body's 6 weeks stopped (reg 8(2)), as health-advice reports it: kept on the request for advice
    so that this assessment's clock agrees. Runs in the caller's transaction."""
    assessment = await _asking(uow, person_id, advice_request_id)
    if assessment is None or not advisor_clock_stopped(
        assessment, advice_request_id, reason, stopped_on, health_body, at
    ):
        return False
    await save(uow, assessment, at)
    return True


async def health_advice_clock_restarted(
    *, person_id: UUID, advice_request_id: UUID, restarted_on: date, at: datetime, uow: EhcpUnitOfWork
) -> bool:
    """The health body's clock runs again. Runs in the caller's transaction."""
    assessment = await _asking(uow, person_id, advice_request_id)
    if assessment is None or not advisor_clock_restarted(assessment, advice_request_id, restarted_on, at):
        return False
    await save(uow, assessment, at)
    return True


async def _asking(uow: EhcpUnitOfWork, person_id: UUID, advice_request_id: UUID) -> EhcNeedsAssessment | None:
    """The child's assessment that asked for the advice, if any."""
    found = [one for one in await uow.assessments.of_person(person_id) if advice_request_id in one.advice]
    return found[0] if found else None
