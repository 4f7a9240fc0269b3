"""How every command on an assessment or a plan runs: once per idempotency key, on a case of the caller's own LA,
in one transaction with the case's new timers and the events its step raised."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from pathfinder.auth import AccessDenied, Principal, ensure_la_may_see
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.due_alerts import LONDON, due_timers
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork, StoredReply

Case = TypeVar("Case", EhcNeedsAssessment, EhcPlan)
Render = Callable[[Any], dict[str, Any]]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CaseNotFound(LookupError):
    """No such case, or not the caller's LA's: the two are answered alike."""


class KeyReused(ValueError):
    """The idempotency key was used before for another request."""


@dataclass(frozen=True)
class CommandKey:
    """Who sent the command, the idempotency key they gave it (if any) and a digest of what they asked."""

    caller: str
    key: str | None
    request_digest: str


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    replayed: bool = False


async def replayed(uow: EhcpUnitOfWork, command: CommandKey) -> Reply | None:
    """The reply already given for the command's key; ``KeyReused`` if the key came with another request."""
    if command.key is None:
        return None
    stored = await uow.replies.find(command.caller, command.key)
    if stored is None:
        return None
    if stored.request_digest != command.request_digest:
        raise KeyReused(f"the Idempotency-Key {command.key!r} was used before for another request")
    return Reply(stored.status, stored.body, replayed=True)


async def answered(uow: EhcpUnitOfWork, command: CommandKey, status: int, body: dict[str, Any]) -> Reply:
    """Keep the reply with the effect (if the command has a key) and commit both."""
    if command.key is not None:
        await uow.replies.keep(command.caller, command.key, StoredReply(command.request_digest, status, body))
    await uow.commit()
    return Reply(status, body)


async def reschedule(uow: EhcpUnitOfWork, case: EhcNeedsAssessment | EhcPlan, now: datetime) -> None:
    today = now.astimezone(LONDON).date()
    if isinstance(case, EhcNeedsAssessment):
        timers = due_timers(case.assessment_id, "assessment", case.facts(), today) if case.open else ()
        await uow.timers.schedule(case.assessment_id, timers)
    else:
        timers = due_timers(case.plan_id, "plan", case.facts(), today) if case.maintained else ()
        await uow.timers.schedule(case.plan_id, timers)


async def save(uow: EhcpUnitOfWork, case: EhcNeedsAssessment | EhcPlan, now: datetime) -> None:
    if isinstance(case, EhcNeedsAssessment):
        await uow.assessments.save(case)
    else:
        await uow.plans.save(case)
    await reschedule(uow, case, now)


async def step_assessment(
    assessment_id: UUID,
    step: Callable[[EhcNeedsAssessment, datetime], object],
    *,
    principal: Principal,
    command: CommandKey,
    render: Render,
    uow: EhcpUnitOfWork,
    now: Callable[[], datetime] = utc_now,
    also_save: Sequence[EhcPlan] = (),
) -> Reply:
    """Take one step of the caller's LA's assessment: ``StepRefused`` (409) when the case does not allow it now,
    ``InvalidStep`` or ``ExceptionRefused`` (422) when its facts do not hold, ``CaseNotFound`` (404). The plans
    in ``also_save`` (one the step opened) are saved with it."""
    return await _step(_assessment, assessment_id, step, principal, command, render, uow, now, also_save)


async def step_plan(
    plan_id: UUID,
    step: Callable[[EhcPlan, datetime], object],
    *,
    principal: Principal,
    command: CommandKey,
    render: Render,
    uow: EhcpUnitOfWork,
    now: Callable[[], datetime] = utc_now,
) -> Reply:
    """Take one step of the caller's LA's plan; refusals as for :func:`step_assessment`."""
    return await _step(_plan, plan_id, step, principal, command, render, uow, now, ())


async def _assessment(uow: EhcpUnitOfWork, assessment_id: UUID) -> EhcNeedsAssessment | None:
    return await uow.assessments.get(assessment_id)


async def _plan(uow: EhcpUnitOfWork, plan_id: UUID) -> EhcPlan | None:
    return await uow.plans.get(plan_id)


async def _step(
    load: Callable[[EhcpUnitOfWork, UUID], Awaitable[Case | None]], case_id: UUID,
    step: Callable[[Case, datetime], object],
    principal: Principal, command: CommandKey, render: Render, uow: EhcpUnitOfWork, now: Callable[[], datetime],
    also_save: Sequence[EhcPlan],
) -> Reply:  # fmt: skip
    async with uow:
        if (again := await replayed(uow, command)) is not None:
            return again
        case = await load(uow, case_id)
        own(principal, case)
        assert case is not None
        instant = now()
        step(case, instant)
        await save(uow, case, instant)
        for plan in also_save:
            await save(uow, plan, instant)
        return await answered(uow, command, 200, render(case))


def own(principal: Principal, case: EhcNeedsAssessment | EhcPlan | None) -> None:
    if case is None:
        raise CaseNotFound()
    try:
        ensure_la_may_see(principal, case.responsible_la)
    except AccessDenied as refused:
        raise CaseNotFound() from refused
