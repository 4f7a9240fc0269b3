"""Fixtures for every test in the repository: real servers, never mocks (registered by the root conftest.py).

- ``embedded_broker`` (session): one embedded broker for the session, or ``$PATHFINDER_TEST_KAFKA_BOOTSTRAP``.
- ``fresh_broker`` (function): a new embedded broker per test, so topics and consumer groups never leak.
- ``postgres_server`` (session): the URL of the ``postgres`` database of one embedded PostgreSQL per session
  (fsync and synchronous commit off: crash tests kill processes, not machines), or of the server at
  ``$PATHFINDER_TEST_POSTGRES_URL``.
- ``fresh_database`` (function): ``await fresh_database("prefix")`` gives the URL of a new, empty database with a
  unique name; it is dropped after the test.
- ``fresh_role`` (function): ``fresh_role("prefix")`` gives a unique role name for a test to create (a service's
  runtime role, say); the role is dropped after the test, with whatever it was granted in any database.

Tests come in two tiers. A test under a ``tests/unit`` folder is of the fast tier (marker ``unit``): domain and
service-layer tests on fakes, run with ``python3 dev.py test -m unit``. Such a test may not ask for a server
fixture (collection fails if it does) and may not open a network or database connection (the attempt fails).
Every other test is of the server tier and runs against the real embedded servers.

With an external Kafka, the broker fixtures yield an :class:`ExternalKafka`: the same ``bootstrap_servers``, and
``restart()``, ``stop()``, ``start()`` and ``kill()`` skip the test (we do not control that broker).
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import NoReturn
from uuid import uuid4

import asyncpg
import pytest
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.persistence.database import asyncpg_dsn, with_database
from pathfinder.persistence.provisioning import drop_database, ensure_database

UNIT = "unit"
SERVER_FIXTURES = frozenset(
    {"postgres_server", "fresh_database", "fresh_role", "embedded_broker", "fresh_broker"}
    | {"mesh_sandbox", "mesh_mailbox", "mesh_faults"}  # pathfinder.devstack.mesh_fixtures
)
TEST_POSTGRES_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "max_connections": "300"}
KAFKA_ENV = "PATHFINDER_TEST_KAFKA_BOOTSTRAP"
POSTGRES_ENV = "PATHFINDER_TEST_POSTGRES_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = item.path.parts
        if not any(first == "tests" and second == UNIT for first, second in pairwise(parts)):
            continue
        item.add_marker(UNIT)
        servers = sorted(SERVER_FIXTURES & set(getattr(item, "fixturenames", ())))
        if servers:
            raise pytest.UsageError(f"{item.nodeid} is a unit-tier test but asks for {', '.join(servers)}")


class ServerRefused(OSError):
    """A unit-tier test tried to reach a server."""


def _refuse(*_args: object, **_kwargs: object) -> NoReturn:
    raise ServerRefused("a unit-tier test may not open a connection: use a fake, or move the test out of tests/unit")


@pytest.fixture(autouse=True)
def _unit_tier_opens_no_connection(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker(UNIT) is not None:
        monkeypatch.setattr(socket.socket, "connect", _refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", _refuse)


class ExternalKafka:
    """A Kafka the tests did not start: usable, but not restartable."""

    def __init__(self, bootstrap_servers: str) -> None:
        self.bootstrap_servers = bootstrap_servers

    def _skip(self) -> NoReturn:
        pytest.skip(f"needs the embedded broker: an external Kafka ({KAFKA_ENV}) cannot be stopped by tests")

    def restart(self) -> NoReturn:
        self._skip()

    def stop(self) -> NoReturn:
        self._skip()

    def start(self) -> NoReturn:
        self._skip()

    def kill(self) -> NoReturn:
        self._skip()


def _broker(log_dir: Path) -> Iterator[EmbeddedBroker | ExternalKafka]:
    external = os.environ.get(KAFKA_ENV)
    if external:
        yield ExternalKafka(external)
        return
    with EmbeddedBroker(log_dir=log_dir) as broker:
        yield broker


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker | ExternalKafka]:
    yield from _broker(tmp_path_factory.mktemp("broker"))


@pytest.fixture
def fresh_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker | ExternalKafka]:
    yield from _broker(tmp_path_factory.mktemp("broker"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of the server's ``postgres`` database; tests create their own databases beside it."""
    external = os.environ.get(POSTGRES_ENV)
    if external:
        yield with_database(external, "postgres")
        return
    with tempfile.TemporaryDirectory(prefix="pathfinder-test-pg-", ignore_cleanup_errors=True) as state:
        os.chmod(state, 0o755)  # noqa: S103 - run as root, the server runs as another user and must reach its data
        with EmbeddedPostgres(Path(state) / "data", settings=TEST_POSTGRES_SETTINGS) as server:
            yield server.url("postgres")


@pytest.fixture
async def fresh_database(postgres_server: str) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    created: list[str] = []

    async def create(prefix: str) -> str:
        safe = re.sub(r"[^a-z0-9_]+", "_", prefix.lower()).strip("_")[:40] or "db"
        url = with_database(postgres_server, f"test_{safe}_{uuid4().hex[:12]}")
        await ensure_database(url)
        created.append(url)
        return url

    yield create
    for url in created:
        await drop_database(url)


@pytest.fixture
async def fresh_role(postgres_server: str) -> AsyncIterator[Callable[[str], str]]:
    names: list[str] = []

    def name(prefix: str) -> str:
        names.append(f"test_{re.sub(r'[^a-z0-9_]+', '_', prefix.lower())[:30]}_{uuid4().hex[:8]}")
        return names[-1]

    yield name
    for role in names:
        await _drop_role(postgres_server, role)


async def _drop_role(server_url: str, role: str) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
            return
        databases = await admin.fetch(
            "SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid "
            "JOIN pg_roles r ON r.oid = s.refobjid WHERE r.rolname = $1",
            role,
        )
        for database in [row["datname"] for row in databases]:
            connection = await asyncpg.connect(asyncpg_dsn(with_database(server_url, database)))
            try:
                await connection.execute(await connection.fetchval("SELECT format('DROP OWNED BY %I', $1::text)", role))
            finally:
                await connection.close()
        await admin.execute(await admin.fetchval("SELECT format('DROP OWNED BY %I', $1::text)", role))
        await admin.execute(await admin.fetchval("SELECT format('DROP ROLE IF EXISTS %I', $1::text)", role))
    finally:
        await admin.close()
