"""Correlation ids across HTTP: NHS systems send X-Correlation-ID (and X-Request-ID) and keep them on retry."""

from __future__ import annotations

import re

from pathfinder.telemetry.correlation import correlation_scope
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = b"x-correlation-id"
_ACCEPTABLE = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


class CorrelationMiddleware:
    """Runs each request inside a correlation scope and echoes the id on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope["headers"]).get(CORRELATION_HEADER)
        usable = supplied.decode() if supplied is not None and _ACCEPTABLE.match(supplied) else None
        with correlation_scope(usable) as correlation_id:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message.get("headers", []), (CORRELATION_HEADER, correlation_id.encode())]
                await send(message)

            await self.app(scope, receive, send_with_id)
