"""``run_platform`` end to end against a throwaway service package (API + worker + Alembic migrations).

Each run is a separate process, as ``pathfinder-platform up`` is; every process it starts inherits a unique
marker in its environment, so the tests can prove that nothing is left running afterwards, on every path.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.devstack.processes import free_port
from pathfinder.persistence.database import asyncpg_dsn, with_database, with_login
from pathfinder.persistence.provisioning import drop_database

WaitForNoStrays = Callable[[str, float], list[str]]
StrayFinder = Callable[[str], list[str]]

FAKE_API = """
import http.server, json, os, signal, subprocess, sys, time
mode = os.environ["FAKE_MODE"]
seen = {k: v for k, v in os.environ.items() if k.startswith(("PATHFINDER_FAKE", "PATHFINDER_KAFKA_"))}
with open(os.path.join(os.environ["FAKE_DIR"], "api-env.json"), "w") as out:
    json.dump(seen, out)
if mode == "api-crashes":
    print("api: cannot start", flush=True)
    sys.exit(2)
if mode == "ok":  # something of its own in its process group, as a server with worker processes would have
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ready = self.path == "/health/ready" and mode != "never-ready"
        self.send_response(200 if ready else 503)
        self.end_headers()

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
host, port = os.environ["PATHFINDER_FAKE_HTTP_HOST"], int(os.environ["PATHFINDER_FAKE_HTTP_PORT"])
print(f"api: listening on {host}:{port}", flush=True)
http.server.ThreadingHTTPServer((host, port), Handler).serve_forever()
"""

FAKE_WORKER = """
import os, signal, sys, time
mode = os.environ["FAKE_MODE"]
if mode == "stubborn-worker":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("worker: consuming", flush=True)
if mode == "worker-crashes-later":
    time.sleep(2)
    print("worker: giving up", flush=True)
    sys.exit(3)
time.sleep(600)
"""

FAKE_ENV_PY = """
from pathfinder.persistence.migrations import run_alembic_env
from sqlalchemy import MetaData

run_alembic_env(MetaData())
"""

FAKE_REVISION = """
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.execute("CREATE TABLE fake_things (id integer PRIMARY KEY)")
    op.execute("CREATE TABLE fake_log (id integer PRIMARY KEY)")
"""

FAKE_MIGRATE = """
from pathfinder.persistence.migrations import ServiceSchema

SCHEMA = ServiceSchema(__package__ + ":migrations", append_only=("fake_log",))
"""

RUNNER = """
import json, sys
from pathlib import Path
from pathfinder.platform.running import PlatformFailed, PlatformOptions, run_platform
from pathfinder.platform.services import PlatformService

config = json.loads(sys.argv[1])
options = PlatformOptions(
    state_dir=Path(config["state_dir"]), postgres=config["postgres"], broker_port=config["broker_port"],
    services=(PlatformService(**config["service"]),), ready_timeout=config["ready_timeout"],
    stop_timeout=config["stop_timeout"],
)
try:
    sys.exit(run_platform(options))
except PlatformFailed as failure:
    print(f"FAILED: {failure}", flush=True)
    sys.exit(1)
"""


@pytest.fixture(scope="module")
def fake_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A service package in a temporary directory: (the directory to put on PYTHONPATH, the package name)."""
    root = tmp_path_factory.mktemp("fake-service")
    name = f"fake_service_{uuid4().hex[:8]}"
    files = {
        "__init__.py": "",
        "api.py": FAKE_API,
        "worker.py": FAKE_WORKER,
        "migrate.py": FAKE_MIGRATE,
        "migrations/env.py": FAKE_ENV_PY,
        "migrations/versions/0001_things.py": FAKE_REVISION,
    }
    for relative, text in files.items():
        path = root / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root, name


@dataclass
class Run:
    process: subprocess.Popen[str]
    lines: queue.Queue[str]
    output: list[str]
    service_name: str
    http_port: int
    broker_port: int
    fake_dir: Path
    state_dir: Path

    def wait_for_line(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            assert time.monotonic() < deadline, f"no {text!r} in:\n" + "".join(self.output)
            with contextlib.suppress(queue.Empty):
                self.output.append(self.lines.get(timeout=0.2))

    def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        time.sleep(0.1)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return code, "".join(self.output)


@pytest.fixture
def start_platform(
    fake_package: tuple[Path, str], marked_env: dict[str, str], tmp_path: Path, server_dir: Path
) -> Iterator[Callable[..., Run]]:
    runs: list[Run] = []

    def start(
        mode: str, *, postgres: str | None = None, ready_timeout: float = 30.0, stop_timeout: float = 10.0
    ) -> Run:
        root, package = fake_package
        suffix = uuid4().hex[:6]
        service = {
            "name": f"fake-{suffix}",
            "package": package,
            "env_prefix": "PATHFINDER_FAKE_",
            "http_port": free_port(),
        }
        fake_dir = tmp_path / suffix
        fake_dir.mkdir()
        state_dir, broker_port = server_dir / "state", free_port()
        config = {
            "state_dir": str(state_dir),
            "postgres": postgres,
            "broker_port": broker_port,
            "service": service,
            "ready_timeout": ready_timeout,
            "stop_timeout": stop_timeout,
        }
        env = {**marked_env, "FAKE_MODE": mode, "FAKE_DIR": str(fake_dir), "PYTHONPATH": str(root)}
        process = subprocess.Popen(
            [sys.executable, "-c", RUNNER, json.dumps(config)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout

        def pump() -> None:
            for line in stdout:
                lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        run = Run(
            process, lines, [], f"fake-{suffix}", int(str(service["http_port"])), broker_port, fake_dir, state_dir
        )
        runs.append(run)
        return run

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
        run.process.wait()
        assert run.process.stdout is not None
        run.process.stdout.close()


@pytest.fixture
async def drop_fake_databases(postgres_server: str) -> AsyncIterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        await drop_database(with_database(postgres_server, name))
        admin = await asyncpg.connect(asyncpg_dsn(postgres_server))
        try:
            await admin.execute(
                await admin.fetchval("SELECT format('DROP ROLE IF EXISTS %I', $1::text)", f"{name}_runtime")
            )
        finally:
            await admin.close()


def _database(service_name: str) -> str:
    return "pathfinder_" + service_name.replace("-", "_")


def _get(url: str) -> int:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        return int(response.status)


async def test_up_runs_every_process_and_ctrl_c_stops_everything(
    start_platform: Callable[..., Run], marker: str, strays: StrayFinder, wait_for_no_strays: WaitForNoStrays
) -> None:
    run = start_platform("ok")
    run.wait_for_line("Pathfinder is running")
    base = f"http://127.0.0.1:{run.http_port}"
    assert _get(f"{base}/health/ready") == 200
    env = json.loads((run.fake_dir / "api-env.json").read_text())
    assert env["PATHFINDER_KAFKA_PROFILE"] == "embedded"
    assert env["PATHFINDER_KAFKA_BOOTSTRAP_SERVERS"] == f"127.0.0.1:{run.broker_port}"
    assert env["PATHFINDER_FAKE_HTTP_HOST"] == "127.0.0.1"
    assert env["PATHFINDER_FAKE_HTTP_PORT"] == str(run.http_port)
    runtime_role = f"{_database(run.service_name)}_runtime"
    assert env["PATHFINDER_FAKE_DATABASE_URL"].startswith(f"postgresql://{runtime_role}:")
    assert f"@/{_database(run.service_name)}?" in env["PATHFINDER_FAKE_DATABASE_URL"]

    running = "\n".join(strays(marker))
    for expected in ("tansu", "pg_guard", "bin/postgres", "api", "worker", "time.sleep(600)"):
        assert expected in running  # what the stray check below looks for is really there while it runs
    run.process.send_signal(signal.SIGINT)  # Ctrl-C
    code, output = run.finish()

    assert code == 0, output
    assert f"[{run.service_name}-api] api: listening on 127.0.0.1:{run.http_port}" in output
    assert f"[{run.service_name}-worker] worker: consuming" in output
    assert f"{base}/docs" in output
    assert output.rstrip().endswith("stopped")
    assert wait_for_no_strays(marker, 10.0) == []
    # The embedded server's data is kept: the next `up` finds the migrated database.
    with EmbeddedPostgres(run.state_dir / "postgres") as kept:
        url = kept.url(_database(run.service_name))
        connection = await asyncpg.connect(asyncpg_dsn(with_login(url, runtime_role)))
        try:
            assert await connection.fetchval("SELECT count(*) FROM fake_things") == 0  # migrated to head
            await connection.execute("INSERT INTO fake_things VALUES (1); INSERT INTO fake_log VALUES (1)")
            await connection.execute("UPDATE fake_things SET id = 2")
            for statement in ("UPDATE fake_log SET id = 2", "ALTER TABLE fake_log DISABLE TRIGGER ALL"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(statement)
        finally:
            await connection.close()


async def test_a_child_that_dies_stops_the_platform_with_an_error(
    start_platform: Callable[..., Run],
    postgres_server: str,
    drop_fake_databases: list[str],
    marker: str,
    wait_for_no_strays: WaitForNoStrays,
) -> None:
    run = start_platform("worker-crashes-later", postgres=postgres_server)
    drop_fake_databases.append(_database(run.service_name))
    code, output = run.finish()
    assert code == 1, output
    assert f"{run.service_name}-worker (exit status 3) exited unexpectedly" in output
    assert wait_for_no_strays(marker, 10.0) == []


async def test_a_failed_start_stops_what_was_started(
    start_platform: Callable[..., Run],
    postgres_server: str,
    drop_fake_databases: list[str],
    marker: str,
    wait_for_no_strays: WaitForNoStrays,
) -> None:
    run = start_platform("api-crashes", postgres=postgres_server)
    drop_fake_databases.append(_database(run.service_name))
    code, output = run.finish()
    assert code == 1, output
    assert f"FAILED: {run.service_name}-api (exit status 2) exited while starting" in output
    assert f"[{run.service_name}-api] api: cannot start" in output
    assert wait_for_no_strays(marker, 10.0) == []


async def test_readiness_timeout_names_the_service(
    start_platform: Callable[..., Run],
    postgres_server: str,
    drop_fake_databases: list[str],
    marker: str,
    wait_for_no_strays: WaitForNoStrays,
) -> None:
    run = start_platform("never-ready", postgres=postgres_server, ready_timeout=2.0)
    drop_fake_databases.append(_database(run.service_name))
    code, output = run.finish()
    assert code == 1, output
    assert f"FAILED: not ready after 2 s: {run.service_name}: http://127.0.0.1:{run.http_port}" in output
    assert "HTTP 503" in output
    assert wait_for_no_strays(marker, 10.0) == []


async def test_a_child_ignoring_sigterm_is_killed(
    start_platform: Callable[..., Run],
    postgres_server: str,
    drop_fake_databases: list[str],
    marker: str,
    wait_for_no_strays: WaitForNoStrays,
) -> None:
    run = start_platform("stubborn-worker", postgres=postgres_server, stop_timeout=1.0)
    drop_fake_databases.append(_database(run.service_name))
    run.wait_for_line("Pathfinder is running")
    run.process.send_signal(signal.SIGTERM)
    code, output = run.finish()
    assert code == 0, output
    assert f"[{run.service_name}-worker] did not stop within 1 s: killed" in output
    assert wait_for_no_strays(marker, 10.0) == []


def test_nothing_survives_the_platform_being_killed(
    start_platform: Callable[..., Run], marker: str, wait_for_no_strays: WaitForNoStrays
) -> None:
    """SIGKILL: none of our cleanup runs. The children get the kernel's parent-death signal and the PostgreSQL
    guard sees its pipe close."""
    run = start_platform("simple")
    run.wait_for_line("Pathfinder is running")
    os.kill(run.process.pid, signal.SIGKILL)
    run.finish()
    assert wait_for_no_strays(marker, 30.0) == []
