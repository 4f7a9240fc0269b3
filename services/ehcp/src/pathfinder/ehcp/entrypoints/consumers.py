"""What the ehcp worker consumes: early-years notifications, recorded on the child's case, and the person index's
transfers of a child to another LA, which the case follows."""

from __future__ import annotations

from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.identity import ResponsibleLaChanged
from pathfinder.ehcp.service_layer.child_cases import follow_transfer, record_early_years_notice
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription


class ConsumingUnitOfWork(SqlUnitOfWork, EhcpUnitOfWork):
    """What a consumer's unit of work is: the ehcp one, on a database session (for its inbox)."""


async def early_years_notice(
    event: EarlyYearsNotificationReceived, uow: ConsumingUnitOfWork, _context: EventContext
) -> None:
    await record_early_years_notice(
        person_id=event.person_id,
        responsible_la=event.responsible_la,
        notification_id=event.notification_id,
        notifying_organisation=event.notifying_organisation,
        opinion_formed_on=event.opinion_formed_on,
        received_at=event.received_at,
        uow=uow,
    )


async def child_transferred(event: ResponsibleLaChanged, uow: ConsumingUnitOfWork, _context: EventContext) -> None:
    await follow_transfer(
        person_id=event.person_id, responsible_la=event.responsible_la, transferred_at=event.changed_at, uow=uow
    )


def early_years_intake() -> Subscription[ConsumingUnitOfWork]:
    """Notices and transfers in one group: both change the child's case."""
    return (
        Subscription[ConsumingUnitOfWork]("early-years-intake")
        .on(EarlyYearsNotificationReceived, early_years_notice)
        .on(ResponsibleLaChanged, child_transferred)
    )
