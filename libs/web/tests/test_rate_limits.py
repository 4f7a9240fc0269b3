"""Rate limits as route dependencies: a bucket per client (a route may have its own limit), the token checked once
per request, 429 problem+json with Retry-After; and which address a request's source is behind a proxy."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import ip_network
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.web.access import install_access_control, require_scopes
from pathfinder.web.problems import install_problem_handlers
from pathfinder.web.rate_limits import ClientRateLimits, Rate, RateLimit, TrustedProxies


@dataclass
class CountedBuckets:
    """A bucket per key that never refills: ``burst`` takes, then a wait of 7.2 s."""

    taken: list[str] = field(default_factory=list)

    async def take(self, key: str, *, per_second: float, burst: int) -> float:
        self.taken.append(key)
        return 0.0 if self.taken.count(key) <= burst else 7.2


async def test_each_client_spends_its_own_bucket_and_a_route_may_have_another() -> None:
    mint, buckets = token_mint(), CountedBuckets()
    limits = ClientRateLimits(
        RateLimit("client", Rate(1, 2), buckets),
        routes={"POST /things/{thing}": RateLimit("writes", Rate(1, 1), buckets)},
    )
    router = APIRouter(dependencies=[Depends(limits)])

    @router.get("/things/{thing}")
    async def read(thing: str, who: Annotated[Principal, Depends(require_scopes(Scope.PERSONS_READ))]) -> str:
        return who.subject

    @router.post("/things/{thing}")
    async def write(thing: str) -> str:
        return thing

    app = FastAPI()
    install_problem_handlers(app)
    install_access_control(app, mint.verifier())
    app.include_router(router)
    client, other = (principal(OrganisationRole.LOCAL_AUTHORITY, code, Scope.PERSONS_READ) for code in ("841", "805"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://api.test") as api:
        assert (await api.get("/things/a")).status_code == 401
        assert buckets.taken == [], "no token, nothing spent"
        headers = mint.headers_for(client)
        assert [(await api.get(f"/things/{n}", headers=headers)).status_code for n in "ab"] == [200, 200]
        limited = await api.get("/things/c", headers=headers)
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.headers["retry-after"] == "8"
        assert limited.json()["detail"] == "Too many requests: retry after 8 seconds."
        assert (await api.post("/things/a", headers=headers)).status_code == 200, "its own bucket"
        assert (await api.post("/things/b", headers=headers)).status_code == 429
        assert (await api.get("/things/a", headers=mint.headers_for(other))).status_code == 200
    assert buckets.taken[:3] == [f"client:{client.subject}"] * 3
    assert buckets.taken[3] == f"writes:{client.subject}"


def request_from(peer: str, *forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (peer, 4711)})


def test_the_source_is_the_peer_unless_a_trusted_proxy_forwarded_for_someone() -> None:
    none_trusted = TrustedProxies()
    assert none_trusted.source_of(request_from("203.0.113.5", "198.51.100.1")) == "203.0.113.5"
    proxies = TrustedProxies([ip_network("10.0.0.0/8"), ip_network("2001:db8::/32")])
    assert proxies.source_of(request_from("203.0.113.5", "198.51.100.1")) == "203.0.113.5", "not a proxy of ours"
    assert proxies.source_of(request_from("10.1.2.3", "198.51.100.1")) == "198.51.100.1"
    # A caller's own entries are to the left of what our proxies added, and are not believed.
    assert proxies.source_of(request_from("10.1.2.3", "192.0.2.66, 198.51.100.1, 10.9.9.9")) == "198.51.100.1"
    assert proxies.source_of(request_from("2001:db8::1", "192.0.2.66", "198.51.100.1")) == "198.51.100.1"
    assert proxies.source_of(request_from("10.1.2.3")) == "10.1.2.3", "nothing forwarded: the proxy itself"
    assert proxies.source_of(request_from("10.1.2.3", "not an address")) == "not an address"
