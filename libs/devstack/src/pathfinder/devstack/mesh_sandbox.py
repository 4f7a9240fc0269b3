"""NHS England's MESH sandbox (PyPI ``mesh-sandbox``) as a real server on 127.0.0.1, for the tests and the platform.

It pins its own FastAPI, so it runs in an environment of its own (ADR 0012): ``python3 dev.py test`` and
``python3 dev.py up`` make ``.state/mesh-sandbox`` from ``tools/mesh-sandbox/requirements.txt`` and give its
interpreter to their child in ``PATHFINDER_MESH_SANDBOX_PYTHON``.

The sandbox checks every request as MESH does: the ``NHSMESH`` token's HMAC over the mailbox, nonce, count,
timestamp and the mailbox's password, keyed with the shared key (``AUTH_MODE=full``). It does not check the
timestamp's age, nonce reuse or client certificates. Messages are kept as files in ``state_dir/store``; mailboxes
(``state_dir/mailboxes.jsonl``) can be added while it runs. Its test-only admin endpoints (no authentication)
are used for :meth:`MeshSandbox.message_details` and :meth:`MeshSandbox.report_undelivered`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import ssl
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

from pathfinder.devstack.loopback_tls import LoopbackCertificate, write_loopback_certificate
from pathfinder.devstack.processes import free_port, port_accepts, port_is_free, spawn, stop_process

SANDBOX_PYTHON_ENV = "PATHFINDER_MESH_SANDBOX_PYTHON"
_SERVER = Path(__file__).with_name("mesh_sandbox_server.py")
_MAILBOX_ID = re.compile(r"^[A-Z0-9]{1,20}$")
_ADDRESS_IN_USE = re.compile(r"address already in use|Errno 98", re.IGNORECASE)
# The sandbox's own settings; ours are given explicitly, one inherited from the environment would only surprise.
_IGNORED_ENV = ("AUTH_MODE", "STORE_MODE", "SHARED_KEY", "MAILBOXES_DATA_DIR", "FILE_STORE_DIR", "SSL", "ENV")


class MeshSandboxUnavailable(RuntimeError):
    """No interpreter with mesh-sandbox installed was given."""


class MeshSandboxDidNotStart(RuntimeError):
    pass


@dataclass(frozen=True)
class MeshMailbox:
    mailbox_id: str
    password: str


class MeshSandbox:
    """One sandbox on ``127.0.0.1:port`` (a free port when None), over https with its own CA unless ``tls=False``.

    ``state_dir`` holds the mailboxes, the stored messages, the certificates, the shared key (kept, so a kept
    state dir keeps working with the same settings) and ``sandbox.log``. ``mailboxes`` (id: password) are added
    unless the state dir already has them. ``python``: an interpreter with mesh-sandbox installed; by default
    ``$PATHFINDER_MESH_SANDBOX_PYTHON``.
    """

    def __init__(
        self,
        state_dir: Path,
        *,
        mailboxes: dict[str, str] | None = None,
        port: int | None = None,
        tls: bool = True,
        shared_key: str | None = None,
        python: str | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self._python = python or os.environ.get(SANDBOX_PYTHON_ENV)
        if not self._python:
            raise MeshSandboxUnavailable(
                f"NHS England's mesh-sandbox runs in its own environment, and {SANDBOX_PYTHON_ENV} does not name "
                "its python: run through `python3 dev.py test ...` (or `python3 dev.py up`), which makes "
                f".state/mesh-sandbox and sets it, or set {SANDBOX_PYTHON_ENV} to a python with the packages of "
                "tools/mesh-sandbox/requirements.txt installed"
            )
        self.state_dir = state_dir.resolve()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._port = port or free_port()
        self._port_fixed = port is not None
        self._tls = tls
        self._shared_key = shared_key or self._kept_shared_key()
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._certificate: LoopbackCertificate | None = None
        kept = self.mailboxes()
        for mailbox_id, password in (mailboxes or {}).items():
            if kept.get(mailbox_id) != MeshMailbox(mailbox_id, password):
                self.add_mailbox(mailbox_id, password)

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def shared_key(self) -> bytes:
        """The key every client's ``NHSMESH`` token is signed with (``MeshClient(shared_key=...)``)."""
        return self._shared_key.encode()

    @property
    def ca_file(self) -> Path | None:
        """The CA that signed the sandbox's certificate (``MeshClient(verify=str(ca_file))``); None over http."""
        return self._certificate.ca_file if self._certificate is not None else None

    @property
    def certificate(self) -> LoopbackCertificate | None:
        """The sandbox's certificate, key and CA (a new one each start); None over http."""
        return self._certificate

    @property
    def log_file(self) -> Path:
        return self.state_dir / "sandbox.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def mailboxes_file(self) -> Path:
        return self.state_dir / "mailboxes.jsonl"

    def mailboxes(self) -> dict[str, MeshMailbox]:
        """Every mailbox the sandbox knows, by id."""
        if not self.mailboxes_file.exists():
            return {}
        entries = [json.loads(line) for line in self.mailboxes_file.read_text().splitlines() if line.strip()]
        return {entry["mailbox_id"]: MeshMailbox(entry["mailbox_id"], entry["password"]) for entry in entries}

    def add_mailbox(self, mailbox_id: str, password: str, *, name: str = "", ods_code: str = "") -> MeshMailbox:
        """Register a mailbox (before or after start); it can be used at once. Re-adding one is refused."""
        if not _MAILBOX_ID.match(mailbox_id):
            raise ValueError(f"a MESH mailbox id is upper-case letters and digits (e.g. X26OT001), not {mailbox_id!r}")
        if not password:
            raise ValueError("a MESH mailbox needs a password")
        if mailbox_id in self.mailboxes():
            raise ValueError(f"mailbox {mailbox_id} already exists in {self.mailboxes_file}")
        entry = {"mailbox_id": mailbox_id, "mailbox_name": name or mailbox_id, "password": password}
        entry |= {"ods_code": ods_code, "org_code": ods_code}
        with self.mailboxes_file.open("a") as mailboxes:
            mailboxes.write(json.dumps(entry) + "\n")
        return MeshMailbox(mailbox_id, password)

    def start(self) -> None:
        """Start and wait until it answers ``/health``; no-op when already running."""
        if self.running:
            return
        attempts = 1 if self._port_fixed else 3
        for attempt in range(1, attempts + 1):
            try:
                self._start_once()
                self._port_fixed = True  # a restart comes back where clients were told it is
                return
            except _PortTaken:
                if attempt == attempts:
                    raise MeshSandboxDidNotStart(f"port {self._port} is in use: stop what listens there") from None
                self._port = free_port()

    def stop(self) -> None:
        """SIGTERM, SIGKILL after the stop timeout; reaped. Stored messages stay in ``state_dir``."""
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=self._stop_timeout)

    def message_details(self, message_id: str) -> dict[str, Any]:
        """The sandbox's own record of a message (status, events, recipient...), from its admin endpoint."""
        return cast(dict[str, Any], self._admin("GET", f"/messageexchange/admin/message/{message_id}"))

    def report_undelivered(self, message_id: str) -> str:
        """Do what MESH does when a recipient has not collected a message in time: mark it undeliverable (an
        error event, code 14) and put a non-delivery report in the sender's inbox. Returns the report's id."""
        details = self.message_details(message_id)
        description = "Message not collected by recipient after 5 days"
        event = {"status": "error", "code": "14", "event": "SEND", "description": description}
        self._admin("POST", f"/messageexchange/admin/message/{message_id}/event", event)
        report = {
            "mailbox_id": details["sender"],
            "status": "undeliverable",
            "code": "14",
            "description": description,
            "workflow_id": details.get("workflow_id") or "",
            "linked_message_id": message_id,
        }
        return str(self._admin("POST", "/messageexchange/admin/report", report)["message_id"])

    def ssl_context(self) -> ssl.SSLContext | None:
        """A client context trusting the sandbox's CA; None over http."""
        return ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file is not None else None

    def _admin(self, method: str, path: str, body: dict[str, str] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310 - our own URL
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10, context=self.ssl_context()) as response:  # noqa: S310
            text = response.read()
        return json.loads(text) if text else None

    def _kept_shared_key(self) -> str:
        path = self.state_dir / "shared_key"
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as key_file:
                key_file.write(secrets.token_urlsafe(24))
        return path.read_text().strip()

    def _start_once(self) -> None:
        if not port_is_free(self._port):
            raise _PortTaken
        assert self._python is not None
        argv = [self._python, "-I", str(_SERVER), "--port", str(self._port), "--mailboxes", str(self.mailboxes_file)]
        if self._tls:
            self._certificate = write_loopback_certificate(self.state_dir / "tls", name="MESH sandbox")
            argv += ["--certfile", str(self._certificate.cert_file), "--keyfile", str(self._certificate.key_file)]
        env = {key: value for key, value in os.environ.items() if key not in _IGNORED_ENV}
        env |= {"AUTH_MODE": "full", "STORE_MODE": "file", "SHARED_KEY": self._shared_key}
        env |= {"MAILBOXES_DATA_DIR": str(self.state_dir / "store"), "PYTHONUNBUFFERED": "1"}
        self.mailboxes_file.touch()
        with self.log_file.open("ab") as log:
            log.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(argv)}\n".encode())
            log.flush()
            process = spawn(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self._start_timeout
        while not (port_accepts(self._port) and self._answers()):
            status = process.poll()
            if status is not None or time.monotonic() > deadline:
                stop_process(process, timeout=1.0)
                tail = self._log_tail()
                if status is not None and _ADDRESS_IN_USE.search(tail) and not self._port_fixed:
                    raise _PortTaken
                what = f"exited with status {status}" if status is not None else "did not answer"
                raise MeshSandboxDidNotStart(
                    f"the MESH sandbox ({self._python}) {what} on {self.url} within {self._start_timeout} s\n"
                    f"  log: {self.log_file}\n  its last output:\n{tail}"
                )
            time.sleep(0.05)
        self._process = process

    def _answers(self) -> bool:
        try:
            self._admin("GET", "/health")
        except OSError:
            return False
        return True

    def _log_tail(self) -> str:
        lines = self.log_file.read_text(errors="replace").splitlines()[-15:] if self.log_file.exists() else []
        return "\n".join(f"    {line}" for line in lines) or "    (no output)"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _PortTaken(Exception):
    pass
