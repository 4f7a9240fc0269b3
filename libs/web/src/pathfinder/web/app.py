"""Building a service's FastAPI application the same way for every service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pathfinder.messaging.broker import TopicAdmin
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.web.correlation import CorrelationMiddleware
from pathfinder.web.health import Readiness, broker_check, database_check, health_router
from pathfinder.web.problems import install_problem_handlers
from sqlalchemy.ext.asyncio import AsyncEngine


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    engine: AsyncEngine,
    kafka: KafkaSettings,
    routers: Sequence[APIRouter],
    version: str = "0.1.0",
) -> FastAPI:
    admin = TopicAdmin(kafka, client_id=f"{service}-api")
    readiness = Readiness({"database": database_check(engine), "broker": broker_check(admin)})

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await admin.close()
            await engine.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.engine = engine
    app.state.readiness = readiness
    install_problem_handlers(app)
    app.include_router(health_router(readiness))
    for router in routers:
        app.include_router(router)
    app.add_middleware(CorrelationMiddleware)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="health/live,health/ready")
    return app
