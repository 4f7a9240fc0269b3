"""Running a service's background workers (relay, consumers) until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

log = logging.getLogger(__name__)

Worker = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


async def run_workers(workers: Sequence[Worker], *, stop: asyncio.Event | None = None) -> None:
    """Run every worker until a signal (or ``stop``) asks them to finish; a worker that dies stops them all,
    so the process exits and its supervisor restarts it rather than running half a service."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    tasks = [asyncio.create_task(worker(stop)) for worker in workers]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


def run_worker_process(service: str, build_workers: Callable[[], Sequence[Worker]]) -> None:
    """The body of every service's ``entrypoints.worker`` module."""
    from pathfinder.telemetry import TelemetrySettings, configure_telemetry

    telemetry = configure_telemetry(service, TelemetrySettings())
    try:
        asyncio.run(run_workers(build_workers()))
    finally:
        telemetry.shutdown()
