"""The timers of the notifications worker: notifications accepted while identity was unreachable (or held for
a review) are tried again until identity names the child, and LAs that have not acknowledged in time are
reported overdue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pathfinder.messaging.workers import Worker
from pathfinder.notifications.domain.identity_client import IdentityClient
from pathfinder.notifications.inbound_handlers import resolve_waiting_notifications
from pathfinder.notifications.inbound_status import raise_overdue_acknowledgements
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork

log = logging.getLogger(__name__)


def timer(name: str, step: Callable[[], Awaitable[int]], *, interval_seconds: float) -> Worker:
    """Runs ``step`` again at once while it finds work, else after ``interval_seconds``."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                done = await step()
            except Exception:
                # The database may be briefly away; the rows stay due and the next step picks them up.
                log.exception("%s step failed", name)
                done = 0
            if done == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval_seconds)

    return run


def identity_retry_worker(
    unit_of_work: Callable[[], NotificationsUnitOfWork], identity: IdentityClient, *, interval_seconds: float
) -> Worker:
    async def step() -> int:
        return await resolve_waiting_notifications(uow=unit_of_work(), identity=identity)

    return timer("identity retry", step, interval_seconds=interval_seconds)


def acknowledgement_deadline_worker(
    unit_of_work: Callable[[], NotificationsUnitOfWork], *, due_after: timedelta, interval_seconds: float
) -> Worker:
    async def step() -> int:
        raised = await raise_overdue_acknowledgements(uow=unit_of_work(), due_after=due_after)
        if raised:
            log.warning("%d early-years notification(s) not acknowledged by their LA in time", raised)
        return raised

    return timer("acknowledgement deadline", step, interval_seconds=interval_seconds)
