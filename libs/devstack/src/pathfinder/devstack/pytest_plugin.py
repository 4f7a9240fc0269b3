"""Fixtures for every test in the repository: real servers, never mocks.

- ``postgres_server``: one embedded PostgreSQL per test session (fsync off: crash tests kill processes, not
  machines), or the server at ``PATHFINDER_TEST_POSTGRES_URL``.
- ``fresh_database``: ``await fresh_database("prefix")`` gives the URL of a new, empty database.
- ``fresh_broker``: a new embedded broker per test, so topics and consumer groups never leak between tests.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.persistence.database import with_database
from pathfinder.persistence.provisioning import drop_database, ensure_database

TEST_POSTGRES_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "max_connections": "300"}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of the server's ``postgres`` database; tests create their own databases beside it."""
    external = os.environ.get("PATHFINDER_TEST_POSTGRES_URL")
    if external:
        yield with_database(external, "postgres")
        return
    with tempfile.TemporaryDirectory(prefix="pathfinder-test-pg-") as state:
        os.chmod(state, 0o755)  # noqa: S103 - the server runs as another user when the tests run as root
        server = EmbeddedPostgres(Path(state) / "data", settings=TEST_POSTGRES_SETTINGS)
        server.start()
        try:
            yield server.url("postgres")
        finally:
            server.stop()


@pytest.fixture
async def fresh_database(postgres_server: str) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    created: list[str] = []

    async def create(prefix: str) -> str:
        url = with_database(postgres_server, f"test_{prefix}_{uuid4().hex[:10]}")
        await ensure_database(url)
        created.append(url)
        return url

    yield create
    for url in created:
        await drop_database(url)


@pytest.fixture
def fresh_broker() -> Iterator[EmbeddedBroker]:
    broker = EmbeddedBroker()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
