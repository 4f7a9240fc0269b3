"""For tests of LA delivery: a real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures and
deduplicates on webhook-id as a careful LA system does, with switchable faults; webhook secrets; polling."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from uuid import UUID, uuid4

from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.notifications.delivery.signing import SignatureMismatch, verify
from pathfinder.persistence.migrations import upgrade_to_head

Mode = Literal["ok", "fail", "slow", "redirect"]


def new_secret() -> str:
    """A webhook signing secret as an LA makes one: ``whsec_`` and base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


async def wait_for(
    condition: Callable[[], bool | Awaitable[bool]], timeout: float = 30.0, *, interval: float = 0.1, what: str = ""
) -> None:
    """Poll ``condition`` (plain or async) until it holds; fail the test after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        assert asyncio.get_running_loop().time() < deadline, (
            f"timed out after {timeout} s waiting for {what or condition}"
        )
        await asyncio.sleep(interval)


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
                verify(self.secret, headers, body, now=int(time.time()))
            except SignatureMismatch:
                with self._lock:
                    self.bad_signatures += 1
                self._answer(request, 401)
                return
        webhook_id = headers.get("webhook-id", "")
        with self._lock:
            if webhook_id and webhook_id in self._seen:
                self.duplicates += 1
            else:
                self._seen.add(webhook_id)
                self.accepted.append(Received(webhook_id, json.loads(body), headers, raw=body))
        self._answer(request, 204)

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


@dataclass
class LaDeliveryUnderTest:
    """The notifications service (API in-process through ASGI, dispatcher driven by the test) on a fresh
    database, with tokens from ``mint``."""

    service: Any
    api: Any
    mint: Any

    def headers(self, la_code: str, *scopes: str) -> dict[str, str]:
        from pathfinder.auth import OrganisationRole, Scope
        from pathfinder.auth.testing import principal

        granted = scopes or (Scope.SUBSCRIPTIONS_MANAGE, Scope.NOTIFICATIONS_READ, Scope.NOTIFICATIONS_ACKNOWLEDGE)
        headers: dict[str, str] = self.mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, la_code, *granted))
        return headers

    async def subscribe(self, la_code: str, **terms: Any) -> dict[str, Any]:
        response = await self.api.post("/subscriptions", json=terms, headers=self.headers(la_code))
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    async def publish(self, *events: Any) -> None:
        """Put events through the la-delivery handler as the consumer would, one transaction each."""
        from pathfinder.messaging.delivery import read_record
        from pathfinder.messaging.outbox import message_for_event
        from pathfinder.messaging.records import KafkaRecord
        from pathfinder.notifications.delivery.la_delivery import deliver_to_la

        for event in events:
            delivery = read_record(KafkaRecord.of(message_for_event(event, source=self.service.source)))
            assert delivery.event is not None and delivery.envelope is not None, delivery.problem
            async with self.service.unit_of_work() as uow:
                await deliver_to_la(
                    delivery.event, uow, delivery.envelope, api_base_url=self.service.delivery.api_base_url
                )
                await uow.commit()


@asynccontextmanager
async def la_delivery_service(url: str, delivery: Any) -> AsyncIterator[LaDeliveryUnderTest]:
    """The service on the database at ``url`` (migrated here), its API through ASGI, its own token mint."""
    import httpx
    from pathfinder.auth.testing import token_mint
    from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
    from pathfinder.notifications.bootstrap import bootstrap
    from pathfinder.notifications.settings import NotificationsSettings

    await upgrade_to_head("pathfinder.notifications:migrations", url)
    mint = token_mint()
    service = bootstrap(
        NotificationsSettings(database_url=url),
        KafkaSettings(),
        OutboxSettings(),
        auth=mint.auth_settings(),
        delivery=delivery,
    )
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://n") as api:
            yield LaDeliveryUnderTest(service, api, mint)
    finally:
        await service.engine.dispose()


def received_event(person_id: UUID | None = None, la_code: str = "841") -> EarlyYearsNotificationReceived:
    """A Received event about a new notification of ``person_id`` (a new child if not given) for ``la_code``."""
    return EarlyYearsNotificationReceived(
        person_id=person_id or uuid4(),
        responsible_la=la_code,
        notification_id=uuid4(),
        notifying_organisation="RR8",
        opinion_formed_on=date(2026, 10, 1),
        received_at=datetime.now(UTC),
        submission_format="json",
        source_message_id=None,
    )
