"""The event history's API served in-process on the fakes, with access tokens for any caller, and the replay worker
stepping beside it: for the fast tier's HTTP tests and the ``pathfinder`` command's tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from pathfinder.auth import Principal
from pathfinder.auth.testing import TokenMint, token_mint
from pathfinder.event_history.domain.archived_event import ArchivedEvent
from pathfinder.event_history.domain.audit import REASON_HEADER
from pathfinder.event_history.entrypoints import (
    audit_http,
    dead_letters_http,
    events_http,
    http_dependencies,
    lag_http,
    replays_http,
)
from pathfinder.event_history.entrypoints.http_dependencies import utc_now
from pathfinder.event_history.service_layer.replays import send_next_batch
from pathfinder.web.access import install_access_control
from pathfinder.web.problems import install_problem_handlers

from event_history_kit.fakes import FakeHistoryStore
from event_history_kit.replay_fakes import FakeConsumerGroups, FakeReplaySender

ROUTERS = (events_http.router, replays_http.router, dead_letters_http.router, lag_http.router, audit_http.router)
INTAKE = "ehcp.early-years-intake"
WHY = "INC-1: checking"


@dataclass
class InMemoryHistory:
    store: FakeHistoryStore = field(default_factory=FakeHistoryStore)
    sender: FakeReplaySender = field(default_factory=FakeReplaySender)
    groups: FakeConsumerGroups = field(default_factory=FakeConsumerGroups)
    mint: TokenMint = field(default_factory=token_mint)
    known_groups: dict[str, list[str]] = field(default_factory=lambda: {INTAKE: ["pathfinder.notifications"]})

    def app(self) -> FastAPI:
        app = FastAPI()
        install_problem_handlers(app)
        for router in ROUTERS:
            app.include_router(router)
        install_access_control(app, self.mint.verifier())
        http_dependencies.provided.install(
            app, http_dependencies.EventHistoryHttp(
                unit_of_work=self.store.unit_of_work, sender=self.sender, groups=self.groups,
                known_groups=self.known_groups,
            ),
        )  # fmt: skip
        return app

    async def archive(self, *events: ArchivedEvent) -> None:
        async with self.store.unit_of_work() as uow:
            await uow.archive.add(events)
            await uow.commit()

    async def step(self, *, batch_size: int = 100, now: datetime | None = None) -> int:
        """One step of the replay worker: how many events it sent."""
        sent, _wait = await send_next_batch(
            self.store.unit_of_work(), self.sender, batch_size=batch_size, now=lambda: now or utc_now()
        )
        return sent


class WorkerBeside(httpx.AsyncBaseTransport):
    """The API in-process, the replay worker taking one step before each look at a replay (as if it ran beside
    the API between two looks); every request is kept, to show what a command asked."""

    def __init__(self, history: InMemoryHistory, *, batch_size: int = 100) -> None:
        self.history = history
        self._batch_size = batch_size
        self._app = httpx.ASGITransport(app=history.app())
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET" and request.url.path.startswith("/replays/"):
            await self.history.step(batch_size=self._batch_size)
        return await self._app.handle_async_request(request)

    async def aclose(self) -> None:
        await self._app.aclose()


@dataclass
class Api:
    """Calls of the API as one caller or another, with a reason unless told otherwise."""

    http: httpx.AsyncClient
    mint: TokenMint

    def _headers(self, who: Principal, reason: str | None) -> dict[str, str]:
        headers = self.mint.headers_for(who)
        if reason is not None:
            headers[REASON_HEADER] = reason
        return headers

    async def get(self, path: str, who: Principal, reason: str | None = WHY, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=self._headers(who, reason))

    async def post(self, path: str, who: Principal, body: Any = None, reason: str | None = WHY) -> httpx.Response:
        return await self.http.post(path, json=body, headers=self._headers(who, reason))
