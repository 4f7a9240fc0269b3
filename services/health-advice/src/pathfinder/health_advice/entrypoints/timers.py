"""The health-advice worker's loops besides its consumer: due-soon and overdue alerts, each raised once per due
date; and the count of open requests by red/amber/green for the gauge."""

from __future__ import annotations

import logging
from collections.abc import Callable

from pathfinder.health_advice.service_layer.due_alerts import count_open_by_rag, fire_due_alerts
from pathfinder.health_advice.service_layer.ports import AdviceMetrics
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.messaging.workers import Worker, repeating

log = logging.getLogger(__name__)


def due_alerts(unit_of_work: Callable[[], HealthAdviceUnitOfWork], *, batch: int, interval_seconds: float) -> Worker:
    async def step() -> int:
        handled = await fire_due_alerts(uow=unit_of_work(), batch=batch)
        if handled:
            log.info("%d advice request(s) raised their due-soon or overdue alert", handled)
        return handled

    return repeating("advice due alerts", step, idle_seconds=interval_seconds)


def open_gauge(
    unit_of_work: Callable[[], HealthAdviceUnitOfWork], metrics: AdviceMetrics, *, interval_seconds: float
) -> Worker:
    async def count() -> bool:
        await count_open_by_rag(uow=unit_of_work(), metrics=metrics)
        return False  # once per interval

    return repeating("open advice requests by RAG", count, idle_seconds=interval_seconds)
