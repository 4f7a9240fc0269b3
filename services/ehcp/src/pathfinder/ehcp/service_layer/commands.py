"""How every command on an assessment or a plan runs: once per idempotency key, on a case of the caller's own LA,
in one transaction with the case's new timers and the events its step raised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

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
    assessment_id: Any,
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
    ``InvalidStep`` or ``ExceptionRefused`` (422) when its facts do not hold, ``CaseNotFound`` (404)."""
    async with uow:
        if (again := await replayed(uow, command)) is not None:
            return again
        assessment = await uow.assessments.get(assessment_id)
        own(principal, assessment)
        assert assessment is not None
        instant = now()
        step(assessment, instant)
        await save(uow, assessment, instant)
        for plan in also_save:
            await save(uow, plan, instant)
        return await answered(uow, command, 200, render(assessment))


async def step_plan(
    plan_id: Any,
    step: Callable[[EhcPlan, datetime], object],
    *,
    principal: Principal,
    command: CommandKey,
    render: Render,
    uow: EhcpUnitOfWork,
    now: Callable[[], datetime] = utc_now,
) -> Reply:
    """Take one step of the caller's LA's plan; refusals as for :func:`step_assessment`."""
    async with uow:
        if (again := await replayed(uow, command)) is not None:
            return again
        plan = await uow.plans.get(plan_id)
        own(principal, plan)
        assert plan is not None
        instant = now()
        step(plan, instant)
        await save(uow, plan, instant)
        return await answered(uow, command, 200, render(plan))


def own(principal: Principal, case: EhcNeedsAssessment | EhcPlan | None) -> None:
    if case is None:
        raise CaseNotFound()
    try:
        ensure_la_may_see(principal, case.responsible_la)
    except AccessDenied as refused:
        raise CaseNotFound() from refused
