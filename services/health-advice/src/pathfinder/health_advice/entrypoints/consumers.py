"""What the health-advice worker consumes: ehcp's requests for advice, of which those asking health open an advice
request for the body asked (consumer group ``advice-intake``); every other kind of advice is the LA's to track."""

from __future__ import annotations

import logging

from pathfinder.contracts.assessment import AdviceRequested
from pathfinder.contracts.vocabulary import AdviceKind
from pathfinder.health_advice.service_layer.advice_requests import open_from_ehcp
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription

log = logging.getLogger(__name__)


class ConsumingUnitOfWork(SqlUnitOfWork, HealthAdviceUnitOfWork):
    """What a consumer's unit of work is: the health-advice one, on a database session (for its inbox)."""


async def advice_requested(event: AdviceRequested, uow: ConsumingUnitOfWork, _context: EventContext) -> None:
    if event.advice_kind is not AdviceKind.HEALTH:
        return
    if event.advisor_organisation is None:
        log.warning("health advice request %s names no health body: not opened", event.advice_request_id)
        return
    await open_from_ehcp(
        advice_request_id=event.advice_request_id,
        assessment_id=event.assessment_id,
        person_id=event.person_id,
        requesting_la=event.responsible_la,
        icb=event.advisor_organisation,
        received_on=event.requested_on,
        uow=uow,
    )


def advice_intake() -> Subscription[ConsumingUnitOfWork]:
    """ehcp's requests for health advice, each opened once (by its id, and by the inbox)."""
    return Subscription[ConsumingUnitOfWork]("advice-intake").on(AdviceRequested, advice_requested)
