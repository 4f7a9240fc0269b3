"""Liveness and readiness. Ready means the service can do its job: its database and the broker answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pathfinder.messaging.broker import TopicAdmin
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

ReadinessCheck = Callable[[], Awaitable[None]]
_CHECK_TIMEOUT_SECONDS = 2.0


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check


def broker_check(admin: TopicAdmin) -> ReadinessCheck:
    async def check() -> None:
        await admin.existing_topics()

    return check


@dataclass
class Readiness:
    checks: dict[str, ReadinessCheck]
    cache_seconds: float = 1.0
    _last: tuple[float, dict[str, str]] | None = field(default=None, init=False)

    async def report(self) -> dict[str, str]:
        now = time.monotonic()
        if self._last is not None and now - self._last[0] < self.cache_seconds:
            return self._last[1]
        results = await asyncio.gather(*(self._run(check) for check in self.checks.values()))
        report = dict(zip(self.checks, results, strict=True))
        self._last = (now, report)
        return report

    async def _run(self, check: ReadinessCheck) -> str:
        try:
            await asyncio.wait_for(check(), timeout=_CHECK_TIMEOUT_SECONDS)
        except Exception as error:
            return f"unavailable: {type(error).__name__}"
        return "ok"


def health_router(readiness: Readiness) -> APIRouter:
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready", summary="The database and the broker answer", response_model=None)
    async def ready() -> JSONResponse:
        checks = await readiness.report()
        ok = all(result == "ok" for result in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    return router
