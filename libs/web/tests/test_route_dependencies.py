"""A service's routes reach what they depend on through ``RouteDependencies``, on the event loop: no worker
thread for every request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import fastapi.dependencies.utils
import httpx
import pytest
from fastapi import Depends, FastAPI
from pathfinder.web.dependencies import RouteDependencies


@dataclass(frozen=True)
class Greeting:
    text: str


provided = RouteDependencies(Greeting)
Dependencies = Annotated[Greeting, Depends(provided)]


def app_greeting(greeting: Greeting | None) -> FastAPI:
    app = FastAPI()

    @app.get("/greeting")
    async def greet(dependencies: Dependencies) -> dict[str, str]:
        return {"text": dependencies.text}

    if greeting is not None:
        provided.install(app, greeting)
    return app


async def test_routes_read_their_dependencies_without_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_threads(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a dependency was run in a worker thread")

    monkeypatch.setattr(fastapi.dependencies.utils, "run_in_threadpool", no_threads)
    transport = httpx.ASGITransport(app=app_greeting(Greeting("hello")))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        answer = await client.get("/greeting")
    assert (answer.status_code, answer.json()) == (200, {"text": "hello"})


async def test_an_app_whose_composition_root_installed_nothing_says_so() -> None:
    transport = httpx.ASGITransport(app=app_greeting(None), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        with pytest.raises(RuntimeError, match="its composition root installs them"):
            await client.get("/greeting")
