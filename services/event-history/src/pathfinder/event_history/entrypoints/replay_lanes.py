"""Replay lanes: processes of their own that send replays, each running the replay worker's loop (one shard's
batch at a time, claimed with its row locked), started and watched by the event-history worker.

One process's work per record (the row read and decoded, its headers filtered, the record encoded into a batch)
held a replay to about a third of what one consumer reads from the same broker; lanes side by side send a
replay's shards at once, on every core.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess

from pathfinder.messaging.workers import Worker, wait_or_stop

log = logging.getLogger(__name__)


def replay_processes(
    start: Callable[[], BaseProcess], count: int, *, poll_seconds: float = 1.0, stop_seconds: float = 30.0
) -> Worker:
    """``count`` lanes, each a process made and started by ``start``. A lane that ends while the worker runs is
    logged and started again: the batch it had not committed is sent again by the next lane to claim its shard.
    Asked to stop, every lane is asked to stop (SIGTERM: it ends after the batch it is sending) and is killed if
    it has not after ``stop_seconds``."""

    async def run(stop: asyncio.Event) -> None:
        lanes: list[BaseProcess] = []
        try:
            lanes.extend(start() for _ in range(count))
            while not stop.is_set():
                await wait_or_stop(stop, poll_seconds)
                for number, lane in enumerate(lanes):
                    if not lane.is_alive() and not stop.is_set():
                        log.error("replay lane %s ended (exit code %s); starting another", lane.pid, lane.exitcode)
                        lanes[number] = start()
        finally:
            await asyncio.to_thread(_stop_all, lanes, stop_seconds)

    return run


def parent_watch(parent: int, *, interval_seconds: float = 1.0) -> Worker:
    """A lane's watch on the worker that started it: it ends once that process is gone (the lane is handed to
    another parent), and with it the lane's other workers, so that no lane outlives its worker."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set() and os.getppid() == parent:
            await wait_or_stop(stop, interval_seconds)

    return run


def _stop_all(lanes: Sequence[BaseProcess], seconds: float) -> None:
    for lane in lanes:
        if lane.is_alive():
            lane.terminate()
    deadline = time.monotonic() + seconds
    for lane in lanes:
        lane.join(max(0.0, deadline - time.monotonic()))
        if lane.is_alive():
            log.error("replay lane %s did not stop within %s s; killed", lane.pid, seconds)
            lane.kill()
            lane.join()
