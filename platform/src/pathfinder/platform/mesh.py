"""MESH on a developer's machine (``pathfinder-platform up --mesh``): NHS England's sandbox as the platform's MESH.

The sandbox (:class:`pathfinder.devstack.mesh_sandbox.MeshSandbox`) keeps its mailboxes and messages in
``<state dir>/mesh`` and listens on a fixed port (8700 unless told), over https with a CA it makes at each start.
It holds the platform's own mailbox and the demo trust's (RH8) and LA's (878), each with a password kept among the
development secrets, as NHS England would issue them. Once notifications' database is migrated, the platform's
mailbox is registered with ``pathfinder-notifications-mesh platform add`` (its password sealed under the service's
key), so the worker collects it; notifications' processes get ``PATHFINDER_MESH_URL``, ``_SHARED_KEY`` and
``_CA_FILE``, and short collect and track intervals so that answers come in seconds. Settings already in the
environment win. While the platform runs, ``<state dir>/mesh/connection.json`` (owner-only) says how a partner's
system connects: the URL, the CA, the shared key and the partners' passwords. The demo reads it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pathfinder.devstack.mesh_sandbox import MeshSandbox, MeshSandboxDidNotStart, MeshSandboxUnavailable
from pathfinder.devstack.processes import child_env
from pathfinder.platform.dev_secrets import dev_secrets

DEFAULT_PORT = 8700
CONNECTION_FILE = "connection.json"
_CLI = [sys.executable, "-m", "pathfinder.notifications.mesh_cli"]


class MeshFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Mailbox:
    mailbox_id: str
    organisation: str  # the platform's own name, a trust's ODS code or an LA's DfE code
    name: str

    @property
    def password_secret(self) -> str:
        """The development secret holding the mailbox's password."""
        return f"PATHFINDER_MESH_MAILBOX_{self.mailbox_id}_PASSWORD"


PLATFORM = Mailbox("X26PF0001", "pathfinder", "Pathfinder")
TRUST = Mailbox("X26RH80001", "RH8", "trust RH8")
LA = Mailbox("X26LA87801", "878", "LA 878")
MAILBOXES = (PLATFORM, TRUST, LA)
FAST_INTERVALS = {"PATHFINDER_MESH_COLLECT_INTERVAL_SECONDS": "1", "PATHFINDER_MESH_TRACK_INTERVAL_SECONDS": "2"}


@dataclass(frozen=True)
class MeshConnection:
    """What a trust's or an LA's system needs to reach the platform's MESH on this machine."""

    url: str
    shared_key: str
    ca_file: Path | None
    passwords: dict[str, str]  # partner mailbox id -> password

    def save(self, path: Path) -> None:
        fields = {"url": self.url, "shared_key": self.shared_key, "ca_file": str(self.ca_file or "")}
        text = json.dumps(fields | {"passwords": self.passwords}, indent=2)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text + "\n")

    @classmethod
    def load(cls, state_dir: Path) -> MeshConnection | None:
        """The connection of the platform running on ``state_dir`` with MESH on; None when there is none."""
        path = state_dir / "mesh" / CONNECTION_FILE
        if not path.exists():
            return None
        found = json.loads(path.read_text())
        ca_file = Path(found["ca_file"]) if found["ca_file"] else None
        return cls(found["url"], found["shared_key"], ca_file, dict(found["passwords"]))


@dataclass(frozen=True)
class PlatformMesh:
    sandbox: MeshSandbox
    connection: MeshConnection
    platform_password: str

    def summary(self) -> list[str]:
        ca = f", CA {self.connection.ca_file}" if self.connection.ca_file else ""
        mailboxes = ", ".join(f"{mailbox.mailbox_id} ({mailbox.name})" for mailbox in MAILBOXES)
        return [
            f"  MESH        {self.connection.url} (NHS England's mesh-sandbox{ca}, data {self.sandbox.state_dir})",
            f"              mailboxes {mailboxes}",
        ]

    def connect_notifications(
        self, database_url: str, keys: Mapping[str, str], say: Callable[[str], None]
    ) -> dict[str, str]:
        """Register the platform's mailbox on notifications' database (``keys``: the development keys notifications
        runs with, its sealing key among them); the MESH settings for notifications' processes."""
        done = subprocess.run(
            [*_CLI, "platform", "add", "--mailbox", PLATFORM.mailbox_id, "--password-stdin"],
            input=self.platform_password + "\n",
            env=child_env({"PATHFINDER_NOTIFICATIONS_DATABASE_URL": database_url, **keys}),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise MeshFailed(f"pathfinder-notifications-mesh platform add: {done.stdout}{done.stderr}".strip())
        say(f"MESH: {done.stdout.strip()}")
        settings = {
            "URL": self.connection.url,
            "SHARED_KEY": self.connection.shared_key,
            "CA_FILE": str(self.connection.ca_file or ""),
            "SENDING_MAILBOX": PLATFORM.mailbox_id,
        }
        wanted = {f"PATHFINDER_MESH_{name}": value for name, value in settings.items() if value} | FAST_INTERVALS
        return {name: os.environ.get(name, value) for name, value in wanted.items()}


@contextmanager
def running(state_dir: Path, port: int) -> Iterator[PlatformMesh]:
    """The sandbox on ``port`` with the platform's and the demo partners' mailboxes, until the block ends."""
    passwords = dev_secrets(state_dir, [mailbox.password_secret for mailbox in MAILBOXES])
    try:
        sandbox = MeshSandbox(state_dir / "mesh", port=port)
        kept = sandbox.mailboxes()
        for mailbox in MAILBOXES:
            password = passwords[mailbox.password_secret]
            if mailbox.mailbox_id not in kept:
                sandbox.add_mailbox(mailbox.mailbox_id, password, name=mailbox.name, ods_code=mailbox.organisation)
            elif kept[mailbox.mailbox_id].password != password:
                raise MeshFailed(
                    f"the MESH sandbox in {sandbox.state_dir} knows mailbox {mailbox.mailbox_id} with another "
                    f"password than {mailbox.password_secret}: remove {sandbox.state_dir} to start it afresh"
                )
        sandbox.start()
    except (MeshSandboxUnavailable, MeshSandboxDidNotStart) as error:
        raise MeshFailed(str(error)) from error
    connection_file = sandbox.state_dir / CONNECTION_FILE
    try:
        partners = {m.mailbox_id: passwords[m.password_secret] for m in MAILBOXES if m is not PLATFORM}
        connection = MeshConnection(sandbox.url, sandbox.shared_key.decode(), sandbox.ca_file, partners)
        connection.save(connection_file)
        yield PlatformMesh(sandbox, connection, passwords[PLATFORM.password_secret])
    finally:
        connection_file.unlink(missing_ok=True)
        sandbox.stop()
