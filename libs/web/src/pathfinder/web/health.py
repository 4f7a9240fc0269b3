"""Liveness and readiness. Ready means the service can do its job: every check its composition root gave
(its database, the broker, access tokens can be verified, ...) answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from fastapi import APIRouter
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]
_CHECK_TIMEOUT_SECONDS = 2.0


@dataclass
class Readiness:
    checks: Mapping[str, ReadinessCheck]
    cache_seconds: float = 1.0
    _last: tuple[float, dict[str, str]] | None = field(default=None, init=False)

    def add(self, name: str, check: ReadinessCheck) -> None:
        self.checks = {**self.checks, name: check}
        self._last = None

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
        """200 while the process answers at all; says nothing of its database, broker or keys."""
        return {"status": "ok"}

    @router.get("/ready", summary="Everything the service needs answers", response_model=None)
    async def ready() -> JSONResponse:
        """200 when every check passes (the database, the broker, access tokens can be verified, ...), else 503;
        ``checks`` names each and what went wrong. Send traffic only to a ready process."""
        checks = await readiness.report()
        ok = all(result == "ok" for result in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    return router
