"""What the LA's SEND service knows of a child: early-years notices recorded as they arrive, the case following
the child when the person index transfers them to another LA, and the case read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.assessments import follow_child
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork


async def record_early_years_notice(
    *,
    person_id: UUID,
    responsible_la: str,
    notification_id: UUID,
    notifying_organisation: str,
    opinion_formed_on: date,
    received_at: datetime,
    uow: EhcpUnitOfWork,
) -> ChildCase:
    """An NHS body's s23 notice about the child, on the child's case (opened by it if new). Runs in the caller's
    transaction (the consumer's, with its inbox row) and never commits."""
    case = await uow.cases.get(person_id) or ChildCase(person_id=person_id, responsible_la=responsible_la)
    case.record_early_years_notice(
        EarlyYearsNotice(
            notification_id=notification_id,
            notifying_organisation=notifying_organisation,
            opinion_formed_on=opinion_formed_on,
            received_at=received_at,
        ),
        responsible_la=responsible_la,
    )
    await uow.cases.save(case)
    return case


async def follow_transfer(
    *, person_id: UUID, responsible_la: str, transferred_at: datetime, uow: EhcpUnitOfWork
) -> ChildCase:
    """The person index handed the child to ``responsible_la``: the case moves there, the move kept for review.
    A child ehcp has no case for yet gets one there, empty, so that a notice sent before the transfer but read
    after it (notices and transfers come on different topics) is kept there, not opened under the LA of then.
    Runs in the caller's transaction and never commits."""
    case = await uow.cases.get(person_id) or ChildCase(person_id=person_id, responsible_la=responsible_la)
    case.transferred(responsible_la, at=transferred_at)
    await uow.cases.save(case)
    await follow_child(person_id=person_id, responsible_la=case.responsible_la, at=transferred_at, uow=uow)
    return case


async def child_known(*, person_id: UUID, responsible_la: str, uow: EhcpUnitOfWork) -> None:
    """The person index linked a child to its LA: the LA may now open an assessment for them. A case already
    held keeps its LA (notices and transfers move it). Runs in the caller's transaction and never commits."""
    if await uow.cases.get(person_id) is None:
        await uow.cases.save(ChildCase(person_id=person_id, responsible_la=responsible_la))


async def child_case(person_id: UUID, *, uow: EhcpUnitOfWork) -> ChildCase | None:
    async with uow:
        return await uow.cases.get(person_id)


@dataclass(frozen=True)
class ChildRecord:
    """The child's case with every assessment and plan of the child, oldest first."""

    case: ChildCase
    assessments: list[EhcNeedsAssessment]
    plans: list[EhcPlan]


async def child_record(person_id: UUID, *, uow: EhcpUnitOfWork) -> ChildRecord | None:
    async with uow:
        case = await uow.cases.get(person_id)
        if case is None:
            return None
        return ChildRecord(case, await uow.assessments.of_person(person_id), await uow.plans.of_person(person_id))
