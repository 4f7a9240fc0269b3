"""The worker's due alerts: due soon (14 days ahead) and overdue (the day after the due date), each raised once
per due date in the transaction that records it raised, through the outbox; and the open requests by RAG for
the gauge."""

from __future__ import annotations

from pathfinder.health_advice.domain.clock import Rag, london_date
from pathfinder.health_advice.service_layer.advice_requests import Now, utc_now
from pathfinder.health_advice.service_layer.ports import AdviceMetrics, Measurement
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.health_advice.service_layer.views import UNROUTED


async def fire_due_alerts(*, uow: HealthAdviceUnitOfWork, batch: int = 100, now: Now = utc_now) -> int:
    """One step of the alert loop: the requests owing an alert by now, claimed (another worker skips them), each
    raising what it owes and saved with the day it next owes one, in one transaction: a crash before the commit
    leaves them owing, after it, raised. Returns how many requests it handled."""
    instant = now()
    async with uow:
        due = await uow.requests.claim_alerts_due(instant, batch)
        for request in due:
            was_overdue = request.overdue_raised_for
            request.raise_alerts(instant)
            if request.overdue_raised_for != was_overdue:
                team = await uow.routing.team(request.team_id) if request.team_id is not None else None
                kind = team.kind.code if team is not None else UNROUTED
                uow.measure(Measurement("overdue", request.icb, request.requesting_la, kind))
            await uow.requests.save(request)
        await uow.commit()
    return len(due)


async def count_open_by_rag(
    *, uow: HealthAdviceUnitOfWork, metrics: AdviceMetrics, now: Now = utc_now
) -> dict[tuple[str, Rag], int]:
    """The open requests of every ICB by RAG today, handed to the gauge."""
    today = london_date(now())
    async with uow:
        counts = await uow.views.open_by_rag(today)
    metrics.open_by_rag(counts)
    return counts
