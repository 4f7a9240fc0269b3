"""Rate limits: a token bucket per caller, answered 429 problem+json with ``Retry-After``.

The buckets live where every API process of a service sees the same ones (``pathfinder.persistence.token_buckets``
keeps them in the service's database); this module needs only something that can take a token:

    limit = RateLimit("sign-in-account", Rate(per_second=0.1, burst=10), buckets)
    await limit.admit(username)                       # raises RateLimited (429) when the bucket is empty

:class:`ClientRateLimits` is a route dependency limiting each authenticated client (by the access token's
subject), with other limits for some routes: ``APIRouter(dependencies=[Depends(limits)])``. A FHIR route answers
in its own format: authenticate as it does, call :meth:`ClientRateLimits.admit` and turn :class:`RateLimited`
(``retry_after``) into an OperationOutcome.

Where a limit is per source address, :class:`TrustedProxies` says which address that is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Protocol

from fastapi import Request
from pathfinder.auth import Principal
from pathfinder.web.access import authenticated
from pathfinder.web.problems import Problem


class TokenBuckets(Protocol):
    async def take(self, key: str, *, per_second: float, burst: int) -> float:
        """Take a token from ``key``'s bucket: 0 when one was taken, else the seconds until one will be there."""
        ...


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate needs a positive rate per second and a burst of at least 1")


class RateLimited(Problem):
    def __init__(self, wait_seconds: float) -> None:
        self.retry_after = str(max(1, math.ceil(wait_seconds)))
        super().__init__(
            429,
            "Too Many Requests",
            f"Too many requests: retry after {self.retry_after} seconds.",
            headers={"Retry-After": self.retry_after},
        )


@dataclass(frozen=True)
class RateLimit:
    """One kind of limit (``name``), with a bucket per key."""

    name: str
    rate: Rate
    buckets: TokenBuckets

    async def admit(self, key: str) -> None:
        wait = await self.buckets.take(f"{self.name}:{key}", per_second=self.rate.per_second, burst=self.rate.burst)
        if wait > 0:
            raise RateLimited(wait)


@dataclass(frozen=True, eq=False)  # hashed by identity: FastAPI keys its dependency cache on it
class ClientRateLimits:
    """Each authenticated client's requests, limited by ``default``, or by ``routes`` for a route named as
    ``"POST /persons/$match"`` (its method and declared path). Answers 401 without a valid token, as the route
    itself would."""

    default: RateLimit
    routes: Mapping[str, RateLimit] = field(default_factory=dict)

    async def __call__(self, request: Request) -> None:
        await self.admit(request, await authenticated(request))

    async def admit(self, request: Request, principal: Principal) -> None:
        route = request.scope.get("route")
        limit = self.routes.get(f"{request.method} {getattr(route, 'path', '')}", self.default)
        await limit.admit(principal.subject)


@dataclass(frozen=True)
class TrustedProxies:
    """Whose ``X-Forwarded-For`` to believe. A request's source is the address that connected, unless that is a
    trusted proxy: then the address the proxy says it forwarded for, and so on leftwards while each hop is a
    trusted proxy. With none trusted (the default), behind a proxy every caller has the proxy's address."""

    networks: Sequence[IPv4Network | IPv6Network] = ()

    def source_of(self, request: Request) -> str:
        source = request.client.host if request.client else "(unknown)"
        hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
        while hops and self._trusts(source):
            source = hops.pop()
        return source

    def _trusts(self, address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self.networks)
