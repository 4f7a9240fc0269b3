"""Keys fetched from identity's JWKS URL: cached, refreshed once for an unknown kid, never per request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.keys import JwksUnavailable, RemoteJwks, jwks_document
from pathfinder.auth.testing import TEST_AUDIENCE, TEST_ISSUER, TokenMint, principal, token_mint
from pathfinder.auth.tokens import AccessTokenVerifier, InvalidAccessToken
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JWKS_URL = "https://identity.pathfinder.test/.well-known/jwks.json"
HARTLEPOOL = principal(OrganisationRole.LOCAL_AUTHORITY, "805", Scope.NOTIFICATIONS_READ)


@dataclass
class PublishedKeys:
    """A small JWKS endpoint, answered in-process over HTTP, that counts how often it is asked."""

    mints: list[TokenMint]
    down: bool = False
    requests: int = 0
    now: float = 1000.0
    app: Starlette = field(init=False)

    def __post_init__(self) -> None:
        async def jwks(_request: Request) -> Response:
            self.requests += 1
            if self.down:
                return Response(status_code=503)
            return JSONResponse(jwks_document([mint.signing_key.public_jwk() for mint in self.mints]))

        self.app = Starlette(routes=[Route("/.well-known/jwks.json", jwks)])

    def verifier(self, client: httpx.AsyncClient) -> AccessTokenVerifier:
        keys = RemoteJwks(JWKS_URL, cache_seconds=300, min_refresh_seconds=30, client=client, clock=lambda: self.now)
        return AccessTokenVerifier(keys, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


@pytest.fixture
def current() -> TokenMint:
    return token_mint()


@pytest.fixture
def published(current: TokenMint) -> PublishedKeys:
    return PublishedKeys([current])


@pytest.fixture
async def client(published: PublishedKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=published.app)) as http:
        yield http


async def test_keys_are_fetched_once_and_then_served_from_the_cache(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    verifier = published.verifier(client)
    for _ in range(5):
        assert await verifier.verify(current.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert published.requests == 1


async def test_keys_are_fetched_again_when_the_cache_time_is_up(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    verifier = published.verifier(client)
    await verifier.verify(current.token_for(HARTLEPOOL))
    published.now += 301
    await verifier.verify(current.token_for(HARTLEPOOL))
    assert published.requests == 2


async def test_an_unknown_kid_causes_one_refresh_which_finds_a_rotated_key(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    verifier = published.verifier(client)
    await verifier.verify(current.token_for(HARTLEPOOL))
    rotated = token_mint()
    published.mints.append(rotated)
    published.now += 31
    assert await verifier.verify(rotated.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert await verifier.verify(current.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert published.requests == 2


async def test_unknown_kids_refresh_at_most_once_per_interval(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    verifier = published.verifier(client)
    await verifier.verify(current.token_for(HARTLEPOOL))
    published.now += 31
    for _ in range(10):
        with pytest.raises(InvalidAccessToken, match="unknown key"):
            await verifier.verify(token_mint().token_for(HARTLEPOOL))
    assert published.requests == 2
    published.now += 31
    rotated = token_mint()
    published.mints.append(rotated)
    assert await verifier.verify(rotated.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert published.requests == 3


async def test_cached_keys_are_kept_while_identity_is_unreachable(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    verifier = published.verifier(client)
    await verifier.verify(current.token_for(HARTLEPOOL))
    published.down = True
    published.now += 301
    assert await verifier.verify(current.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert await verifier.verify(current.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert published.requests == 2


async def test_without_any_keys_tokens_cannot_be_checked(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    published.down = True
    verifier = published.verifier(client)
    with pytest.raises(JwksUnavailable):
        await verifier.verify(current.token_for(HARTLEPOOL))
    with pytest.raises(JwksUnavailable):
        await verifier.verify(current.token_for(HARTLEPOOL))
    assert published.requests == 1


async def test_before_any_key_is_had_a_failed_fetch_is_tried_again_within_a_second(
    published: PublishedKeys, current: TokenMint, client: httpx.AsyncClient
) -> None:
    """Identity started after the service: the keys come as soon as identity answers, not 30 s later."""
    published.down = True
    keys = RemoteJwks(
        JWKS_URL, min_refresh_seconds=30, first_retry_seconds=1, client=client, clock=lambda: published.now
    )
    with pytest.raises(JwksUnavailable):
        await keys.ready()
    published.down = False
    published.now += 1
    await keys.ready()
    verifier = AccessTokenVerifier(keys, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    assert await verifier.verify(current.token_for(HARTLEPOOL)) == HARTLEPOOL
    assert published.requests == 2


async def test_keys_are_fetched_in_the_background_until_identity_answers(
    published: PublishedKeys, client: httpx.AsyncClient
) -> None:
    published.down = True
    keys = RemoteJwks(JWKS_URL, min_refresh_seconds=30, first_retry_seconds=0.05, client=client)
    keys.start()
    try:
        await asyncio.sleep(0.2)
        assert not keys.loaded and published.requests >= 2, "tried again while identity was down"
        published.down = False
        for _ in range(50):
            if keys.loaded:
                break
            await asyncio.sleep(0.05)
        assert keys.loaded
        await keys.ready()
    finally:
        await keys.close()
