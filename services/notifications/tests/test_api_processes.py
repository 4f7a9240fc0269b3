# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The API as it is run (``python -m pathfinder.notifications.api``) in several worker processes on one port, on
a real PostgreSQL: each client's limit holds for the whole service, not for each process; a worker that dies is
replaced and the service goes on answering."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from notifications_kit.messages import FHIR
from notifications_kit.service import migrated
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.devstack.processes import child_env, free_port, spawn, stop_process

PROCESSES = 2
NOT_FHIR = {"resourceType": "Patient"}  # refused 400 once admitted, so nothing is stored


def workers_of(supervisor: int) -> set[int]:
    """The API's worker processes: the supervisor's children that multiprocessing started (not its helpers)."""
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    found = set()
    for child in map(int, children):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            found.add(child)
    return found


@contextmanager
def api_processes(url: str, port: int, environment: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    env = child_env(
        {
            **environment,
            "PATHFINDER_NOTIFICATIONS_DATABASE_URL": url,
            "PATHFINDER_NOTIFICATIONS_HTTP_PORT": str(port),
            "PATHFINDER_NOTIFICATIONS_HTTP_PROCESSES": str(PROCESSES),
            "PATHFINDER_NOTIFICATIONS_INBOUND_RATE_PER_SECOND": "0.001",  # a token a quarter of an hour
            "PATHFINDER_NOTIFICATIONS_INBOUND_RATE_BURST": "3",
        }
    )
    process = spawn([sys.executable, "-m", "pathfinder.notifications.api"], env=env)
    try:
        yield process
    finally:
        stop_process(process)


async def until(check, *, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = await check()
        except httpx.TransportError:
            found = None
        if found:
            return found
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.2)


async def test_several_api_processes_share_a_port_and_each_clients_limit(fresh_database) -> None:
    url = await migrated(await fresh_database("notifications_api_processes"))
    mint, port = token_mint(), free_port()
    trust = {**FHIR, **mint.headers_for(principal(OrganisationRole.NHS_TRUST, "RX1", Scope.NOTIFICATIONS_SUBMIT))}
    with api_processes(url, port, mint.environment()) as supervisor:
        # A new connection for every request, so the kernel hands them to whichever worker accepts first.
        limits = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, trust_env=False) as http:

            async def ready():
                return (await http.get("/health/live")).status_code == 200 and len(workers_of(supervisor.pid)) == 2

            await until(ready)
            first_workers = workers_of(supervisor.pid)
            answers = await asyncio.gather(*(http.post("/fhir/$process-message", json=NOT_FHIR, headers=trust)
                                             for _ in range(12)))  # fmt: skip
            codes = sorted(answer.status_code for answer in answers)
            assert codes == [400] * 3 + [429] * 9, "a burst of 3 for the service, however many processes answer"

            killed = min(first_workers)
            os.kill(killed, signal.SIGKILL)

            async def replaced():
                now = workers_of(supervisor.pid)
                return len(now) == PROCESSES and killed not in now and now

            renewed = await until(replaced)
            assert renewed - first_workers, "a new worker took the dead one's place"
            assert (await until(ready)) is True
            again = await http.post("/fhir/$process-message", json=NOT_FHIR, headers=trust)
            assert again.status_code == 429, "the bucket is the database's: a new worker does not refill it"
            assert supervisor.poll() is None
