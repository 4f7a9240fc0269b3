"""Running an API: one process, or several sharing one listening socket.

Each service's ``api`` module names a factory (``module:function``) that :func:`serving` wraps. uvicorn runs it
in this process, or with ``processes`` above one as that many worker processes under uvicorn's own supervisor
(which restarts a worker that dies and passes SIGTERM on). Workers share nothing in memory: whatever must hold
for the whole service (a client's rate limit, idempotency keys) is kept in the service's database.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI
from pathfinder.telemetry import TelemetrySettings, configure_telemetry


def serving(service: str, build_app: Callable[[], FastAPI]) -> FastAPI:
    """The app of one API process, its telemetry configured (and flushed when the process exits)."""
    telemetry = configure_telemetry(service, TelemetrySettings())
    atexit.register(telemetry.shutdown)
    app = build_app()
    # What start-up made (modules, routes, models) lives as long as the process: frozen, it is no longer walked
    # by every full collection, whose pauses otherwise land on requests (100-400 ms measured).
    gc.collect()
    gc.freeze()
    return app


def run_api_process(factory: str, *, host: str, port: int, processes: int = 1) -> None:
    """The body of every service's ``api`` module: ``factory`` (``module:function``, returning :func:`serving`'s
    app) served on ``host:port`` by ``processes`` worker processes."""
    # log_config=None keeps the structured logging the service configured.
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=processes,
        log_config=None,
        server_header=False,
        proxy_headers=False,
    )
