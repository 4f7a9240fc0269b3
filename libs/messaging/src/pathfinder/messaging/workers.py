"""Running a service's background workers (relay, consumers, timers) until SIGTERM or SIGINT, and the one loop
they all run in: step, wait while idle, survive a failing step, stop promptly when asked."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from pathfinder.persistence.notified_channel import NotifiedChannel

log = logging.getLogger(__name__)

Worker = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
Step = Callable[[], Awaitable[bool | int]]


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def keep_stepping(
    stop: asyncio.Event,
    step: Step,
    *,
    name: str,
    idle_seconds: float,
    after_failure: Callable[[], Awaitable[None]] | None = None,
    failure_pause_seconds: float | None = None,
    notices: NotifiedChannel | None = None,
) -> None:
    """Run ``step`` until ``stop`` is set: at once again while it finds work (a truthy answer), after
    ``idle_seconds`` when it finds none, or sooner when ``notices`` says new work was committed. A step that
    raises is logged, ``after_failure`` runs (to drop connections, say), and the loop pauses before trying
    again: the database or broker may be briefly away, and what the step did not finish stays due for the next
    one."""
    while not stop.is_set():
        ticket = notices.ticket() if notices is not None else None
        try:
            busy = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again", name)
            if after_failure is not None:
                await after_failure()
            await wait_or_stop(stop, idle_seconds if failure_pause_seconds is None else failure_pause_seconds)
            continue
        if busy:
            continue
        if notices is not None and ticket is not None:
            await notices.wait(ticket, stop, idle_seconds)
        else:
            await wait_or_stop(stop, idle_seconds)


def repeating(name: str, step: Step, *, idle_seconds: float) -> Worker:
    """A worker that runs ``step`` with :func:`keep_stepping`."""

    async def run(stop: asyncio.Event) -> None:
        await keep_stepping(stop, step, name=name, idle_seconds=idle_seconds)

    return run


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
    """The body of every service's ``worker`` module."""
    from pathfinder.telemetry import TelemetrySettings, configure_telemetry

    telemetry = configure_telemetry(service, TelemetrySettings())
    try:
        workers = build_workers()
        gc.collect()
        gc.freeze()  # as an API process does (pathfinder.web.server): start-up's objects outlive every event
        asyncio.run(run_workers(workers))
    finally:
        telemetry.shutdown()
