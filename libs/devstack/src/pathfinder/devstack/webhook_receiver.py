"""An LA's webhook receiver on 127.0.0.1, for the demo, the benchmarks, the tests and the README's walkthrough: a
real HTTP server that verifies Standard Webhooks signatures with the reference ``standardwebhooks`` library (as an
LA's system would, with nothing of Pathfinder's code) and deduplicates on ``webhook-id``, with switchable faults.

    python -m pathfinder.devstack.webhook_receiver --port 9101 --secret whsec_...   # prints each delivery
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

Mode = Literal["ok", "fail", "slow", "redirect"]


def new_secret() -> str:
    """A webhook signing secret as an LA makes one: ``whsec_`` and base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


@dataclass
class Received:
    webhook_id: str
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes = b""  # the body exactly as sent, which the signature covers


@dataclass
class WebhookReceiver:
    """``mode``: ok (204), fail (500), slow (answers after ``slow_seconds``), redirect (302 to ``redirect_to``)."""

    secret: str | None = None
    mode: Mode = "ok"
    slow_seconds: float = 2.0
    redirect_to: str = "http://127.0.0.1:9/"
    accepted: list[Received] = field(default_factory=list)
    duplicates: int = 0
    attempts: int = 0
    bad_signatures: int = 0
    _seen: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    port: int = 0
    on_accept: Callable[[Received], None] | None = None
    """Called with each delivery accepted (verified, not a repeat), outside the receiver's lock."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.handle(self, body)

            def log_message(self, *_args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        with self._lock:
            self.attempts += 1
            mode = self.mode
        if mode == "slow":
            time.sleep(self.slow_seconds)
        elif mode == "fail":
            self._answer(request, 500)
            return
        elif mode == "redirect":
            request.send_response(302)
            request.send_header("Location", self.redirect_to)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        headers = {name.lower(): value for name, value in request.headers.items()}
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers, json_parse=False)
            except WebhookVerificationError:
                with self._lock:
                    self.bad_signatures += 1
                self._answer(request, 401)
                return
        webhook_id = headers.get("webhook-id", "")
        received = None
        with self._lock:
            if webhook_id and webhook_id in self._seen:
                self.duplicates += 1
            else:
                self._seen.add(webhook_id)
                received = Received(webhook_id, json.loads(body), headers, raw=body)
                self.accepted.append(received)
        self._answer(request, 204)
        if received is not None and self.on_accept is not None:
            self.on_accept(received)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Length", "0")
            request.end_headers()
        except OSError:
            pass  # the sender gave up waiting


@contextmanager
def running_receiver(secret: str | None = None) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret=secret)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def _print(received: Received) -> None:
    signed = "webhook-signature" in received.headers
    print(json.dumps({"webhook_id": received.webhook_id, "signed": signed, "body": received.body}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pathfinder.devstack.webhook_receiver",
        description="Receive webhook or FHIR rest-hook deliveries on 127.0.0.1 and print each as a JSON line, "
        "verifying its Standard Webhooks signature when given the secret (development only: plain http).",
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", help="the whsec_ secret the subscription was given (webhooks)")
    args = parser.parse_args(argv)
    receiver = WebhookReceiver(secret=args.secret, port=args.port, on_accept=_print)
    receiver.start()
    print(f"listening on {receiver.url}", file=sys.stderr, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
