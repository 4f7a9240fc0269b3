"""Building a service's FastAPI application the same way for every service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi_offline import FastAPIOffline
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pathfinder.auth.keys import RemoteJwks
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.web.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimit
from pathfinder.web.correlation import CorrelationMiddleware
from pathfinder.web.health import Readiness, health_router
from pathfinder.web.problems import install_problem_handlers
from pathfinder.web.token_first import TokenBeforeBody

DOCS_ASSETS = "/docs-assets"
# Swagger UI would otherwise ask a public validator about the document; the docs page works with no network.
_SWAGGER_UI = {"validatorUrl": None, "persistAuthorization": True}


def create_service_app(
    *,
    title: str,
    description: str,
    readiness: Readiness,
    routers: Sequence[APIRouter],
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    version: str = "0.1.0",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_allowances: Mapping[str, int | None] | None = None,
) -> FastAPI:
    """``on_shutdown`` closes what the app's composition root opened (engines, clients), in that order.
    ``max_body_bytes`` limits every request body, except on the routes of ``body_allowances`` (see
    :mod:`pathfinder.web.body_limit`).

    The docs pages (``/docs``, ``/redoc``) serve Swagger UI and ReDoc from the ``fastapi-offline`` package's
    own copies (under :data:`DOCS_ASSETS`), never from a CDN: they work on a machine with no internet access.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        verifier: AccessTokenVerifier | None = getattr(app.state, "access_tokens", None)
        remote = verifier.keys if verifier is not None and isinstance(verifier.keys, RemoteJwks) else None
        if remote is not None:
            remote.start()  # identity may start after this service: its keys are fetched until they come
        try:
            yield
        finally:
            if remote is not None:
                await remote.close()
            for close in on_shutdown:
                await close()

    app = FastAPIOffline(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        static_url=DOCS_ASSETS,
        swagger_ui_parameters=_SWAGGER_UI,
    )
    app.state.readiness = readiness
    install_problem_handlers(app)
    app.include_router(health_router(readiness))
    for router in routers:
        app.include_router(router)
    app.add_middleware(TokenBeforeBody)  # inside the body limit: an oversized body is refused before anything
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes, allowances=body_allowances or {})
    app.add_middleware(CorrelationMiddleware)  # outside the limit, so that its 413 carries a correlation id
    FastAPIInstrumentor.instrument_app(app, excluded_urls="health/live,health/ready")
    return app
