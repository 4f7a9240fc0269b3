"""The embedded PostgreSQL for real: fixtures, settings, keeping data across restarts, leaving nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.persistence.database import asyncpg_dsn, database_name

FreshDatabase = Callable[[str], Awaitable[str]]


async def _fetchval(url: str, query: str) -> object:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


async def test_fresh_database_gives_new_empty_databases(fresh_database: FreshDatabase) -> None:
    first, second = await fresh_database("Dev-Stack"), await fresh_database("devstack")
    assert database_name(first) != database_name(second)
    assert database_name(first).startswith("test_dev_stack_")
    assert await _fetchval(first, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    assert await _fetchval(first, "SELECT current_database()") == database_name(first)


@pytest.mark.skipif(bool(os.environ.get("PATHFINDER_TEST_POSTGRES_URL")), reason="an external server's settings")
async def test_the_session_server_runs_with_the_test_settings(postgres_server: str) -> None:
    assert await _fetchval(postgres_server, "SHOW fsync") == "off"
    assert await _fetchval(postgres_server, "SHOW synchronous_commit") == "off"
    assert await _fetchval(postgres_server, "SHOW max_connections") == "300"


def _psql(server: EmbeddedPostgres, sql: str) -> str:
    return server._psql([sql]).strip()


def test_data_is_kept_across_restarts_and_stop_leaves_no_process(server_dir: Path) -> None:
    server = EmbeddedPostgres(server_dir / "state" / "postgres", settings={"max_connections": "42"})
    with server:
        assert _psql(server, "SHOW max_connections") == "42"  # needs a restart: applied on first start
        _psql(server, "CREATE TABLE kept (value int); INSERT INTO kept VALUES (7)")
        pid = server.pid
    assert pid is not None
    assert not _alive(pid)
    assert not (server.data_dir / "postmaster.pid").exists()

    with EmbeddedPostgres(server.data_dir) as again:
        assert _psql(again, "SELECT value FROM kept") == "7"
        assert _psql(again, "SHOW max_connections") == "42"  # ALTER SYSTEM is kept in postgresql.auto.conf
        assert "host=" in again.url("kept") and again.url("kept").startswith("postgresql://postgres@/kept?")


def test_the_server_stops_when_its_owner_is_killed(
    server_dir: Path, marker: str, marked_env: dict[str, str], wait_for_no_strays: Callable[[str, float], list[str]]
) -> None:
    owner_code = (
        "import sys, time; from pathlib import Path; from pathfinder.devstack.postgres import EmbeddedPostgres\n"
        "server = EmbeddedPostgres(Path(sys.argv[1])); server.start(); print(server.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    argv = [sys.executable, "-c", owner_code, str(server_dir / "data")]
    with subprocess.Popen(argv, env=marked_env, stdout=subprocess.PIPE, text=True) as owner:
        assert owner.stdout is not None
        postmaster = int(owner.stdout.readline())
        assert _alive(postmaster)
        owner.send_signal(signal.SIGKILL)  # no chance to clean up: the guard must stop the server

    assert wait_for_no_strays(marker, 30.0) == []
    assert not _alive(postmaster)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != b"Z"
