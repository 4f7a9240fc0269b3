"""A limit on every request body, enforced before anything reads it.

FastAPI reads and parses a JSON body before a route's dependencies run, so without a limit a caller with no
token could make a process hold a body of any size before the 401. :class:`BodyLimit` refuses a declared
``Content-Length`` over the limit at once, and stops a body sent without one (chunked) as soon as it passes the
limit; both answer 413 problem+json.

A route may have its own allowance, by its path as declared (``/fhir/$process-message/bulk``): a larger limit,
or ``None`` for a route that limits its body itself, after checking the token, and answers in its own format.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from pathfinder.web.problems import problem_response
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 1_048_576


class BodyTooLarge(HTTPException):
    """Raised while the body is read; FastAPI passes an ``HTTPException`` through its body parsing untouched, so
    the app's problem handler answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")
        self.limit = limit


class BodyLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES, allowances: Mapping[str, int | None] = {}
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.allowances = [(compile_path(path)[0], limit) for path, limit in allowances.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        started, received = False, 0

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(limit)(scope, receive, send)

    def _limit_for(self, scope: Scope) -> int | None:
        path, root = scope["path"], scope.get("root_path", "")
        path = path[len(root) :] if root and path.startswith(root) else path
        for pattern, limit in self.allowances:
            if pattern.match(path):
                return limit
        return self.max_bytes


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _too_large(limit: int) -> ASGIApp:
    # Connection: close, so that a client still sending the rest of a large body is not read to the end.
    response = problem_response(413, HTTPStatus(413).phrase, f"The request body is larger than {limit} bytes.")
    response.headers["Connection"] = "close"
    return response
