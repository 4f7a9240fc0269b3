"""For tests of identity's access side: the service on a migrated database, driven over HTTP in-process, with
real keys. Not used by the service itself."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from pathfinder.auth import Scope
from pathfinder.auth.client_credentials import ClientCredentialsTokens
from pathfinder.auth.keys import SigningKey, jwks_document
from pathfinder.identity.access import admin
from pathfinder.identity.access.composition import Access
from pathfinder.identity.bootstrap import IdentityService, bootstrap
from pathfinder.identity.domain.client_assertions import ASSERTION_TYPE
from pathfinder.identity.seed import seed_organisations
from pathfinder.identity.settings import IdentitySettings
from pathfinder.persistence.migrations import upgrade_to_head

ISSUER = "https://identity.pathfinder.test"
TOKEN_URL = f"{ISSUER}/oauth2/token"
# Fixed so that two service instances in one test share their signing keys, as replicas do.
TEST_KEY_ENCRYPTION_KEY = "dGVzdC1vbmx5LWtleS1lbmNyeXB0aW9uLWtleS0zMmI"
TEST_ENVIRONMENT = {
    "PATHFINDER_AUTH_ISSUER": ISSUER,
    "PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY": TEST_KEY_ENCRYPTION_KEY,
    "PATHFINDER_IDENTITY_SIGNING_KEY_BITS": "2048",
    "PATHFINDER_TELEMETRY_EXPORTER": "none",
}


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


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
    access: Access
    http: httpx.AsyncClient
    clock: ManualClock = field(default_factory=ManualClock)

    async def register_client(self, org: str, *scopes: Scope, keys: int = 1) -> RegisteredClient:
        made = [SigningKey.generate(bits=2048) for _ in range(keys)]
        jwks = jwks_document([key.public_jwk() for key in made])
        client = await admin.register_client(
            org, f"{org} test system", list(scopes), self.access.unit_of_work(), self.access.now(), jwks
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


async def migrated_identity_database(url: str) -> str:
    await upgrade_to_head("pathfinder.identity:migrations", url)
    return url


@asynccontextmanager
async def running_identity(database_url: str, *, seed: bool = True) -> AsyncIterator[IdentityUnderTest]:
    """The identity app as the API process builds it (settings from the environment: see TEST_ENVIRONMENT)."""
    service = bootstrap(IdentitySettings(database_url=database_url))
    app = service.app()
    access: Access = app.state.access
    clock = ManualClock()
    access.clock = clock
    try:
        if seed:
            await admin.load_organisations(seed_organisations(), access.unit_of_work())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
            yield IdentityUnderTest(service, access, http, clock)
    finally:
        await service.engine.dispose()
