"""Event handlers of the ehcp service. They run inside the consumer's unit of work, which commits the effect
together with the inbox row; a handler never commits."""

from __future__ import annotations

from uuid import UUID

from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice
from pathfinder.ehcp.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.consumer import EventContext, Subscription


async def record_early_years_notice(
    event: EarlyYearsNotificationReceived, uow: EhcpUnitOfWork, _context: EventContext
) -> None:
    case = await uow.cases.get(event.person_id) or ChildCase(
        person_id=event.person_id, responsible_la=event.responsible_la
    )
    case.record_early_years_notice(
        EarlyYearsNotice(
            notification_id=event.notification_id,
            notifying_organisation=event.notifying_organisation,
            opinion_formed_on=event.opinion_formed_on,
            received_at=event.received_at,
        ),
        responsible_la=event.responsible_la,
    )
    await uow.cases.save(case)


async def child_case(person_id: UUID, uow: EhcpUnitOfWork) -> ChildCase | None:
    async with uow:
        return await uow.cases.get(person_id)


EARLY_YEARS_INTAKE = Subscription[EhcpUnitOfWork]("early-years-intake").on(
    EarlyYearsNotificationReceived, record_early_years_notice
)
