"""For the dashboard's browser tests: Debian's chromium driven by Playwright (its bundled driver, the system's
browser: nothing is downloaded), the services served over real HTTP on this machine, and where screenshots go."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from fastapi import FastAPI

if TYPE_CHECKING:
    from playwright.async_api import ViewportSize

ROOT = Path(__file__).resolve().parents[5]
ARTEFACTS = Path(os.environ.get("PATHFINDER_TEST_ARTEFACTS", ROOT / ".state" / "test-artefacts")) / "dashboard"
"""Kept after the run (``.state`` is the workspace's own, ignored by git)."""
LAPTOP: ViewportSize = {"width": 1366, "height": 768}


def chromium() -> str | None:
    """The browser to drive: ``PATHFINDER_CHROMIUM``, else Debian's ``chromium`` on the PATH."""
    named = os.environ.get("PATHFINDER_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def why_no_browser() -> str | None:
    """Why the browser tests cannot run on this machine, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed: run `python3 dev.py test` (it installs the workspace)"
    if chromium() is None:
        return (
            "no chromium on this machine: install Debian's package (`apt-get install -y chromium`, as root; "
            ".ci/run does) or set PATHFINDER_CHROMIUM to a Chromium binary"
        )
    return None


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app on a free port of 127.0.0.1, in this event loop, lifespan and all; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="on", server_header=False)
    )
    running = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if running.done():
                    running.result()
                    raise RuntimeError("the server stopped before it started")
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await running
