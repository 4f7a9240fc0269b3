"""Faults in front of the MESH sandbox: a reverse proxy on 127.0.0.1 that answers chosen requests itself.

    faults = MeshFaults(sandbox).start()
    faults.inject("GET", r"/messageexchange/[^/]+/inbox", 429, times=2, retry_after=1)
    MeshClient(faults.url, ...)   # the first two inbox listings get 429, the third reaches the sandbox

Every request no fault matches goes to the real sandbox unchanged (same method, path, query, headers and body)
and its answer comes back unchanged. Over https when the sandbox is, with the same certificate, so clients keep
``verify=sandbox.ca_file``.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from pathfinder.devstack.mesh_sandbox import MeshSandbox

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length"}
)


@dataclass
class Fault:
    """Answer the next ``times`` requests whose method is ``method`` and whose path (no query) matches ``path``."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: int | None = None
    served: int = 0

    def matches(self, method: str, path: str) -> bool:
        return self.served < self.times and method == self.method and self.path.fullmatch(path) is not None


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    status: int
    injected: bool


@dataclass
class _Faults:
    faults: list[Fault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            fault = next((fault for fault in self.faults if fault.matches(method, path)), None)
            if fault is not None:
                fault.served += 1
            return fault

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)


class MeshFaults:
    """A proxy to ``sandbox`` on a free port of 127.0.0.1; :meth:`inject` faults, :attr:`seen` what came."""

    def __init__(self, sandbox: MeshSandbox) -> None:
        self._sandbox = sandbox
        self._faults = _Faults()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("MeshFaults is not started")
        scheme = urlsplit(self._sandbox.url).scheme
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def seen(self) -> list[Seen]:
        """Every request so far, in order: method, path (no query), the status answered, whether injected."""
        with self._faults.lock:
            return list(self._faults.seen)

    def inject(self, method: str, path: str, status: int, *, times: int = 1, retry_after: int | None = None) -> Fault:
        """Answer the next ``times`` requests of ``method`` whose whole path matches the regex ``path`` with
        ``status`` (and a ``Retry-After`` header when given); returns the fault, whose ``served`` counts them."""
        fault = Fault(method.upper(), re.compile(path), status, times, retry_after)
        with self._faults.lock:
            self._faults.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._faults.lock:
            self._faults.faults.clear()

    def start(self) -> Self:
        if self._server is not None:
            return self
        target = urlsplit(self._sandbox.url)
        known, netloc, context = self._faults, target.netloc, self._sandbox.ssl_context()

        class Handler(_ProxyHandler):
            faults = known
            upstream = netloc
            upstream_context = context

        server = _Server(("127.0.0.1", 0), Handler)
        certificate = self._sandbox.certificate
        if certificate is not None:
            serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            serving.load_cert_chain(certificate.cert_file, certificate.key_file)
            server.socket = serving.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="mesh-faults", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    block_on_close = False  # a client's idle keep-alive connection must not hold up stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (or a failed TLS handshake) is not our error."""


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60
    faults: _Faults
    upstream: str
    upstream_context: ssl.SSLContext | None = None

    def do_GET(self) -> None:
        body = self._read_body()
        fault = self.faults.take(self.command, urlsplit(self.path).path)
        if fault is not None:
            self._answer_fault(fault)
        else:
            self._forward(body)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are in :attr:`MeshFaults.seen`, not on stderr."""

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _answer_fault(self, fault: Fault) -> None:
        phrase = HTTPStatus(fault.status).phrase if fault.status in HTTPStatus._value2member_map_ else "Fault"
        payload = json.dumps({"errorDescription": f"{phrase} (injected in front of the sandbox)"}).encode()
        headers = {"Content-Type": "application/json"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        self._send(fault.status, None, list(headers.items()), payload, injected=True)

    def _forward(self, body: bytes | None) -> None:
        """One new connection to the sandbox per request: nothing is ever sent to it twice."""
        headers = {name: value for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP}
        if self.upstream_context is not None:
            upstream: http.client.HTTPConnection = http.client.HTTPSConnection(
                self.upstream, timeout=60, context=self.upstream_context
            )
        else:
            upstream = http.client.HTTPConnection(self.upstream, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            self._send(HTTPStatus.BAD_GATEWAY, None, [], f"the MESH sandbox did not answer: {error}".encode())
            return
        finally:
            upstream.close()
        passed = [(name, value) for name, value in response.getheaders() if name.lower() not in _HOP_BY_HOP]
        if self.command == "HEAD":  # no body, but the length the GET's body would have
            passed += [(name, value) for name, value in response.getheaders() if name.lower() == "content-length"]
        self._send(response.status, response.reason, passed, payload)

    def _send(
        self, status: int, reason: str | None, headers: list[tuple[str, str]], payload: bytes, *, injected: bool = False
    ) -> None:
        # recorded before the answer goes: a client that has its answer finds the request in `seen`
        self.faults.record(Seen(self.command, urlsplit(self.path).path, status, injected))
        self.send_response_only(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
