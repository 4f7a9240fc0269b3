"""Identity in-process for tests of its access side and of the services that take tokens from it: the app as the
API process builds it on a migrated database, driven over HTTP, with real keys."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from pathfinder.auth import Scope
from pathfinder.auth.client_credentials import ClientCredentialsTokens
from pathfinder.auth.keys import SigningKey, jwks_document
from pathfinder.identity.access.domain.client_assertions import ASSERTION_TYPE
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.bootstrap import Access, IdentityService, bootstrap
from pathfinder.identity.seed import seed_organisations
from pathfinder.identity.settings import IdentitySettings

from identity_kit import ISSUER, TOKEN_URL
from identity_kit.clock import ManualClock


@dataclass
class RegisteredClient:
    client_id: str
    keys: list[SigningKey]

    @property
    def key(self) -> SigningKey:
        return self.keys[0]

    def assertion(
        self,
        *,
        key: SigningKey | None = None,
        algorithm: str = "RS512",
        header: Mapping[str, Any] | None = None,
        lifetime: timedelta = timedelta(minutes=5),
        now: datetime | None = None,
        **claims: Any,
    ) -> str:
        """A client assertion; ``claims`` replace or (given None) remove the usual ones."""
        signer = key or self.key
        issued_at = now or datetime.now(UTC)
        body: dict[str, Any] = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": TOKEN_URL,
            "jti": os.urandom(16).hex(),
            "iat": int(issued_at.timestamp()),
            "exp": int((issued_at + lifetime).timestamp()),
        }
        body.update(claims)
        headers = {"kid": signer.kid, "typ": "JWT", **(header or {})}
        secret: Any = signer.private_key if algorithm.startswith(("RS", "PS")) else os.urandom(64)
        return jwt.encode(
            {name: value for name, value in body.items() if value is not None},
            secret,
            algorithm=algorithm,
            headers={name: value for name, value in headers.items() if value is not None},
        )


def token_form(assertion: str, **fields: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **fields,
    }


@dataclass
class IdentityUnderTest:
    service: IdentityService
    http: httpx.AsyncClient
    clock: ManualClock

    @property
    def access(self) -> Access:
        return self.service.access

    async def register_client(self, org: str, *scopes: Scope, keys: int = 1) -> RegisteredClient:
        made = [SigningKey.generate(bits=2048) for _ in range(keys)]
        client = await onboarding.register_client(
            org,
            f"{org} test system",
            list(scopes),
            uow=self.access.unit_of_work(),
            now=self.clock(),
            key_check=self.access.key_check,
            jwks=jwks_document([key.public_jwk() for key in made]),
        )
        return RegisteredClient(client.client_id, made)

    async def client_credentials(self, org: str, *scopes: Scope) -> ClientCredentialsTokens:
        """A new client of ``org`` that gets its access tokens from this identity as a real system does."""
        registered = await self.register_client(org, *scopes)
        return ClientCredentialsTokens(TOKEN_URL, registered.client_id, registered.key, self.http)

    async def token(self, client: RegisteredClient, **fields: str) -> httpx.Response:
        return await self.http.post("/oauth2/token", data=token_form(client.assertion(), **fields))

    async def bearer(self, client: RegisteredClient, **fields: str) -> dict[str, str]:
        response = await self.token(client, **fields)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@asynccontextmanager
async def running_identity(
    database_url: str, *, seed: bool = True, real_time: bool = False
) -> AsyncIterator[IdentityUnderTest]:
    """The identity app as the API process builds it (settings from the environment: see ``TEST_ENVIRONMENT``),
    on a clock that stands still until a test moves it, or that runs in ``real_time`` (for journeys whose
    assertions are signed and checked as they go)."""
    clock = ManualClock(running=real_time)
    service = bootstrap(IdentitySettings(database_url=database_url), clock=clock)
    app = service.app()
    try:
        if seed:
            await onboarding.load_organisations(seed_organisations(), uow=service.access.unit_of_work())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
            yield IdentityUnderTest(service, http, clock)
    finally:
        await service.engine.dispose()
