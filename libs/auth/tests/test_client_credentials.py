"""A system client's tokens: the assertion is what the NHS API Platform pattern asks for, the token is reused
until shortly before it expires, and a token endpoint that fails says so without leaking the assertion."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from pathfinder.auth.client_credentials import ASSERTION_TYPE, ClientCredentialsTokens, TokenUnavailable
from pathfinder.auth.keys import SigningKey

TOKEN_URL = "https://identity.pathfinder.test/oauth2/token"
KEY = SigningKey.generate(bits=2048)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class TokenEndpoint:
    def __init__(self, status: int = 200, lifetime: int = 600) -> None:
        self.forms: list[dict[str, str]] = []
        self.status = status
        self.lifetime = lifetime

    def __call__(self, request: httpx.Request) -> httpx.Response:
        form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": "invalid_client", "error_description": "refused"})
        token = f"token-{len(self.forms)}"
        return httpx.Response(200, json={"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime})


def tokens_for(endpoint: TokenEndpoint, clock: Clock, *, scope: str | None = None) -> ClientCredentialsTokens:
    http = httpx.AsyncClient(transport=httpx.MockTransport(endpoint))
    return ClientCredentialsTokens(TOKEN_URL, "client-123", KEY, http, scope=scope, clock=clock)


async def test_the_assertion_follows_the_nhs_api_platform_pattern() -> None:
    endpoint, clock = TokenEndpoint(), Clock()
    assert await tokens_for(endpoint, clock, scope="persons:match").access_token() == "token-1"
    [form] = endpoint.forms
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == ASSERTION_TYPE
    assert form["scope"] == "persons:match"
    header = jwt.get_unverified_header(form["client_assertion"])
    assert (header["alg"], header["kid"]) == ("RS512", KEY.kid)
    claims = jwt.decode(
        form["client_assertion"],
        KEY.public_key,
        algorithms=["RS512"],
        audience=TOKEN_URL,
        options={"verify_exp": False},
    )
    assert claims["iss"] == claims["sub"] == "client-123"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]


async def test_a_token_is_reused_until_shortly_before_it_expires() -> None:
    endpoint, clock = TokenEndpoint(lifetime=600), Clock()
    tokens = tokens_for(endpoint, clock)
    assert await tokens.access_token() == "token-1"
    clock.now += 539
    assert await tokens.access_token() == "token-1"
    clock.now += 2
    assert await tokens.access_token() == "token-2"
    first, second = (
        jwt.decode(form["client_assertion"], options={"verify_signature": False}) for form in endpoint.forms
    )
    assert first["jti"] != second["jti"], "every assertion is single-use"
    tokens.forget()
    assert await tokens.access_token() == "token-3"


async def test_a_refusing_or_unreachable_endpoint_gives_no_token() -> None:
    with pytest.raises(TokenUnavailable, match="401 invalid_client"):
        await tokens_for(TokenEndpoint(status=401), Clock()).access_token()

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(unreachable))
    with pytest.raises(TokenUnavailable, match="unreachable") as raised:
        await ClientCredentialsTokens(TOKEN_URL, "client-123", KEY, http).access_token()
    assert "eyJ" not in str(raised.value), "the assertion is never repeated in errors"


async def test_the_key_can_come_from_a_pem_file(tmp_path: Path) -> None:
    key_file = tmp_path / "client.pem"
    key_file.write_bytes(KEY.private_pem())
    endpoint = TokenEndpoint()
    http = httpx.AsyncClient(transport=httpx.MockTransport(endpoint))
    tokens = ClientCredentialsTokens.from_key_file(TOKEN_URL, "client-123", key_file, http)
    await tokens.access_token()
    assert jwt.get_unverified_header(endpoint.forms[0]["client_assertion"])["kid"] == KEY.kid
