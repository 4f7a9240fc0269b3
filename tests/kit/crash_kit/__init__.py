"""What crash tests share: a worker process armed with ``PATHFINDER_FAULTS`` runs until it kills itself there."""

from __future__ import annotations

import asyncio
import signal


async def until_killed(process: asyncio.subprocess.Process, faults: str, *, timeout: float = 60) -> None:
    """Wait for ``process`` to kill itself at the fault point ``faults`` armed; killed here if it has not by
    ``timeout``, and the test fails."""
    try:
        await asyncio.wait_for(process.wait(), timeout=timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == -signal.SIGKILL, f"the worker with {faults} exited with {process.returncode}"
