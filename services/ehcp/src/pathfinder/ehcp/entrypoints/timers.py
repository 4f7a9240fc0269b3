"""The ehcp worker's loops besides its consumers: due timers fired (due soon, overdue, review due), each once;
and the early warning's sweep."""

from __future__ import annotations

import logging
from collections.abc import Callable

from pathfinder.ehcp.service_layer.due_alerts import fire_due_timers, watch_risk
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.workers import Worker, repeating

log = logging.getLogger(__name__)


def due_timers(unit_of_work: Callable[[], EhcpUnitOfWork], *, batch: int, interval_seconds: float) -> Worker:
    async def step() -> int:
        fired = await fire_due_timers(uow=unit_of_work(), batch=batch)
        if fired:
            log.info("%d statutory due timer(s) fired", fired)
        return fired

    return repeating("statutory due timers", step, idle_seconds=interval_seconds)


def risk_watch(unit_of_work: Callable[[], EhcpUnitOfWork], *, interval_seconds: float) -> Worker:
    """The early warning over every open assessment, every ``interval_seconds``: a case becoming at risk is
    announced once per due date."""

    async def sweep() -> bool:
        raised = await watch_risk(uow_factory=unit_of_work)
        if raised:
            log.warning("%d EHC needs assessment(s) newly at risk of missing their limit", raised)
        return False  # one sweep per interval, however many it raised

    return repeating("early warning", sweep, idle_seconds=interval_seconds)
