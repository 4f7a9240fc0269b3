# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Ready means able to serve an authenticated request: while identity's keys cannot be had (identity started after
the service) /health/ready says so; the keys are fetched again within a second or two, not after 30 s, and then
the service is ready and a token is accepted."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from notifications_kit.fakes import FakeIdentity
from notifications_kit.service import migrated
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.devstack.processes import free_port
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.settings import NotificationsSettings


@pytest.fixture
def identity_port() -> int:
    return free_port()


@pytest.fixture
def mint() -> TokenMint:
    return token_mint()


@pytest.fixture
def late_identity(identity_port: int, mint: TokenMint) -> Iterator[threading.Event]:
    """Identity's JWKS endpoint, answering only once the test sets the event (identity has started)."""
    started = threading.Event()
    document = json.dumps(mint.jwks()).encode()
    server: list[ThreadingHTTPServer] = []

    def serve() -> None:
        started.wait()

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *_args: object) -> None:
                pass

        server.append(ThreadingHTTPServer(("127.0.0.1", identity_port), Jwks))
        server[0].serve_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield started
    started.set()
    while not server:
        pass
    server[0].shutdown()
    server[0].server_close()


async def test_not_ready_until_access_tokens_can_be_verified(
    fresh_broker, fresh_database, identity_port: int, mint: TokenMint, late_identity: threading.Event
) -> None:
    url = await migrated(await fresh_database("readiness_tokens"))
    auth = AuthSettings(
        issuer=mint.issuer.issuer,
        audience=mint.issuer.audience,
        jwks_url=f"http://127.0.0.1:{identity_port}/.well-known/jwks.json",
        jwks_fetch_timeout_seconds=1,
    )
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded")
    service = bootstrap(NotificationsSettings(database_url=url), kafka, auth=auth, identity=FakeIdentity())
    app = service.app()
    app.state.readiness.cache_seconds = 0
    la = mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.SUBSCRIPTIONS_MANAGE))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as http:
            before = await http.get("/health/ready")
            assert before.status_code == 503
            assert before.json()["checks"]["access_tokens"].startswith("unavailable")
            assert (await http.get("/subscriptions", headers=la)).status_code == 503

            late_identity.set()  # identity is up now
            loop = asyncio.get_running_loop()
            started = loop.time()
            while (await http.get("/health/ready")).status_code != 200:
                assert loop.time() - started < 5, "keys fetched again within seconds"
                await asyncio.sleep(0.2)
            listed = await http.get("/subscriptions", headers=la)
            assert listed.status_code == 200, listed.text
    finally:
        await service.engine.dispose()
