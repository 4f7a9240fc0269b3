"""Every service's API refuses a request body over its limit before reading it, whether the body is declared
(Content-Length) or streamed, before any token is checked; a route with an allowance takes more, and a route
that limits its body itself is left to do so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, Request
from pathfinder.auth import OrganisationRole, Principal
from pathfinder.auth.testing import principal, token_mint
from pathfinder.web.access import install_access_control, require_scopes
from pathfinder.web.app import create_service_app
from pathfinder.web.health import Readiness
from pydantic import BaseModel
from starlette.types import Message, Receive, Scope, Send

LIMIT = 4096
BIG = 50 * 1024 * 1024
CHUNK = 64 * 1024
MINT = token_mint()


class Record(BaseModel):
    name: str


def api_router() -> APIRouter:
    router = APIRouter()

    @router.post("/records")
    async def add(record: Record, _who: Annotated[Principal, Depends(require_scopes())]) -> dict[str, int]:
        return {"length": len(record.name)}

    @router.post("/bulk/{batch}")
    async def bulk(batch: str, request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    @router.post("/guarded")
    async def guarded(request: Request) -> dict[str, int]:
        read = 0
        async for chunk in request.stream():
            read += len(chunk)
            if read > 3 * LIMIT:
                return {"refused_at": read}
        return {"length": read}

    return router


class CountingApp:
    """The bytes the API process was handed by the server, whatever the app did with them."""

    def __init__(self, app: object) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)  # type: ignore[operator]


@pytest.fixture
def counting() -> CountingApp:
    app = create_service_app(
        title="t",
        description="d",
        readiness=Readiness({}),
        routers=[api_router()],
        max_body_bytes=LIMIT,
        body_allowances={"/bulk/{batch}": 4 * LIMIT, "/guarded": None},
    )
    install_access_control(app, MINT.verifier())
    return CountingApp(app)


@pytest.fixture
async def api(counting: CountingApp) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=counting), base_url="https://api.test") as client:
        yield client


async def streamed(total: int) -> AsyncIterator[bytes]:
    """A body sent chunked, with no Content-Length."""
    for _ in range(total // CHUNK):
        yield b"x" * CHUNK


def assert_too_large(response: httpx.Response, limit: int = LIMIT) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == f"The request body is larger than {limit} bytes."
    assert response.headers["x-correlation-id"]


async def test_a_declared_body_over_the_limit_is_refused_unread_before_the_token(
    api: httpx.AsyncClient, counting: CountingApp
) -> None:
    response = await api.post(
        "/records", content=b"{" + b" " * BIG + b"}", headers={"content-type": "application/json"}
    )
    assert_too_large(response)
    assert counting.received == 0


async def test_a_streamed_body_is_stopped_once_it_passes_the_limit(
    api: httpx.AsyncClient, counting: CountingApp
) -> None:
    signed_in = MINT.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "841"))
    response = await api.post(
        "/records", content=streamed(BIG), headers={"content-type": "application/json", **signed_in}
    )
    assert_too_large(response)
    assert counting.received <= LIMIT + CHUNK


async def test_a_body_within_the_limit_reaches_the_route(api: httpx.AsyncClient) -> None:
    response = await api.post("/records", json={"name": "x" * 100})
    assert response.status_code == 401, "the token is checked as before"


async def test_a_route_with_an_allowance_takes_more_and_no_more(api: httpx.AsyncClient) -> None:
    assert (await api.post("/bulk/b1", content=b"x" * 3 * LIMIT)).json() == {"length": 3 * LIMIT}
    assert_too_large(await api.post("/bulk/b1", content=b"x" * 5 * LIMIT), 4 * LIMIT)
    assert_too_large(await api.post("/bulk/b1", content=streamed(BIG)), 4 * LIMIT)


async def test_a_route_that_limits_its_body_itself_is_left_to_do_so(api: httpx.AsyncClient) -> None:
    response = await api.post("/guarded", content=streamed(BIG))
    assert response.status_code == 200
    assert response.json()["refused_at"] > 3 * LIMIT


async def test_a_request_without_a_valid_token_is_refused_before_its_body_is_read(
    api: httpx.AsyncClient, counting: CountingApp
) -> None:
    body = {"name": "x" * (LIMIT // 2)}
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        response = await api.post("/records", json=body, headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"].startswith('Bearer realm="pathfinder", error="invalid_token"')
    assert counting.received == 0, "no byte of either body was read"


async def test_a_valid_token_is_verified_once_and_the_body_then_reaches_the_route() -> None:
    mint = token_mint()
    verifier = mint.verifier()
    verified: list[str] = []
    original = verifier.verify

    async def counted(token: str) -> Principal:
        verified.append(token)
        return await original(token)

    verifier.verify = counted  # type: ignore[method-assign]
    app = create_service_app(title="t", description="d", readiness=Readiness({}), routers=[api_router()])
    install_access_control(app, verifier)
    headers = mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "841"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://api.test") as client:
        response = await client.post("/records", json={"name": "abc"}, headers=headers)
        unguarded = await client.post("/bulk/b1", content=b"x" * 10)
    assert response.json() == {"length": 3}
    assert len(verified) == 1, "the route uses the caller found before its body was read"
    assert unguarded.json() == {"length": 10}, "a route that asks for no token is left alone"
