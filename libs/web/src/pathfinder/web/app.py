"""Building a service's FastAPI application the same way for every service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pathfinder.web.correlation import CorrelationMiddleware
from pathfinder.web.health import Readiness, health_router
from pathfinder.web.problems import install_problem_handlers


def create_service_app(
    *,
    title: str,
    description: str,
    readiness: Readiness,
    routers: Sequence[APIRouter],
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    version: str = "0.1.0",
) -> FastAPI:
    """``on_shutdown`` closes what the app's composition root opened (engines, clients), in that order."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for close in on_shutdown:
                await close()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.readiness = readiness
    install_problem_handlers(app)
    app.include_router(health_router(readiness))
    for router in routers:
        app.include_router(router)
    app.add_middleware(CorrelationMiddleware)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="health/live,health/ready")
    return app
