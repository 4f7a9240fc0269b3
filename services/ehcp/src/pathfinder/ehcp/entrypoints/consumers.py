"""What the ehcp worker consumes: early-years notifications, recorded on the child's case; the person index's
children linked to their LA (an LA may then open an assessment for them) and transfers to another LA, which the
case and its assessments and plans follow; and the health advice given through the health-advice service."""

from __future__ import annotations

from datetime import datetime

from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.health_advice import (
    HealthAdviceClockRestarted,
    HealthAdviceClockStopped,
    HealthAdviceSubmitted,
)
from pathfinder.contracts.identity import PersonLinked, ResponsibleLaChanged
from pathfinder.ehcp.service_layer.assessments import (
    health_advice_clock_restarted,
    health_advice_clock_stopped,
    health_advice_given,
)
from pathfinder.ehcp.service_layer.child_cases import child_known, follow_transfer, record_early_years_notice
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


async def person_linked(event: PersonLinked, uow: ConsumingUnitOfWork, _context: EventContext) -> None:
    await child_known(person_id=event.person_id, responsible_la=event.responsible_la, uow=uow)


async def advice_submitted(event: HealthAdviceSubmitted, uow: ConsumingUnitOfWork, _context: EventContext) -> None:
    await health_advice_given(
        person_id=event.person_id, advice_request_id=event.advice_request_id, given_at=event.submitted_at, uow=uow
    )


def _sent(context: EventContext) -> tuple[str, datetime]:
    """Who reported it (the producing service, as the envelope names it) and when."""
    envelope = context.delivery.envelope
    assert envelope is not None
    return envelope.source, envelope.time


async def advice_clock_stopped(
    event: HealthAdviceClockStopped, uow: ConsumingUnitOfWork, context: EventContext
) -> None:
    source, at = _sent(context)
    await health_advice_clock_stopped(
        person_id=event.person_id, advice_request_id=event.advice_request_id, reason=event.reason,
        stopped_on=event.stopped_on, health_body=source, at=at, uow=uow,
    )  # fmt: skip


async def advice_clock_restarted(
    event: HealthAdviceClockRestarted, uow: ConsumingUnitOfWork, context: EventContext
) -> None:
    _source, at = _sent(context)
    await health_advice_clock_restarted(
        person_id=event.person_id, advice_request_id=event.advice_request_id, restarted_on=event.restarted_on,
        at=at, uow=uow,
    )  # fmt: skip


def early_years_intake() -> Subscription[ConsumingUnitOfWork]:
    """Notices, links and transfers in one group: each changes the child's case."""
    return (
        Subscription[ConsumingUnitOfWork]("early-years-intake")
        .on(EarlyYearsNotificationReceived, early_years_notice)
        .on(PersonLinked, person_linked)
        .on(ResponsibleLaChanged, child_transferred)
    )


def health_advice_intake() -> Subscription[ConsumingUnitOfWork]:
    """The advice health gave for an assessment's request, and its reg 8(2) clock stops, recorded on the assessment
    (one group: the stops must be applied before the advice they excuse, and the topic keeps one child in order)."""
    return (
        Subscription[ConsumingUnitOfWork]("health-advice-intake")
        .on(HealthAdviceClockStopped, advice_clock_stopped)
        .on(HealthAdviceClockRestarted, advice_clock_restarted)
        .on(HealthAdviceSubmitted, advice_submitted)
    )
