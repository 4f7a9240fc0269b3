"""The identity retry timer of the notifications worker: notifications accepted while identity was unreachable
are tried again until identity names the child."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from pathfinder.messaging.workers import Worker
from pathfinder.notifications.domain.identity_client import IdentityClient
from pathfinder.notifications.inbound_handlers import resolve_waiting_notifications
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork

log = logging.getLogger(__name__)


def identity_retry_worker(
    unit_of_work: Callable[[], NotificationsUnitOfWork], identity: IdentityClient, *, interval_seconds: float
) -> Worker:
    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                tried = await resolve_waiting_notifications(uow=unit_of_work(), identity=identity)
            except Exception:
                # The database may be briefly away; the rows stay due and the next step picks them up.
                log.exception("identity retry step failed")
                tried = 0
            if tried == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=interval_seconds)

    return run
