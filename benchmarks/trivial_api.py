"""The baseline the notification benchmarks compare with: a FastAPI JSON POST that does nothing, served by the
same kind of process as every service's API (``run_api_process``: uvicorn, the platform's middleware, its
telemetry and start-up), so what the platform adds to a request shows beside what any such process costs.

    .venv/bin/python benchmarks/trivial_api.py PORT [PROCESSES]
"""

from __future__ import annotations

import sys
from typing import Any

from fastapi import APIRouter, Body, FastAPI
from pathfinder.web.app import create_service_app
from pathfinder.web.health import Readiness
from pathfinder.web.server import run_api_process, serving

router = APIRouter()


@router.post("/echo")
async def echo(document: dict[str, Any] = Body()) -> dict[str, Any]:  # noqa: B008 - FastAPI's declaration
    return {"keys": len(document)}


def trivial_app() -> FastAPI:
    return create_service_app(
        title="trivial", description="A JSON POST that does nothing", readiness=Readiness({}), routers=[router]
    )


def application() -> FastAPI:
    return serving("trivial", trivial_app)


if __name__ == "__main__":
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    run_api_process("trivial_api:application", host="127.0.0.1", port=int(sys.argv[1]), processes=processes)
