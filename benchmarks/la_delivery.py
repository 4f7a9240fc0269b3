"""LA delivery benchmark: FHIR notifications accepted on ``$process-message``, and their delivery to an LA's
webhook and to an LA's Kafka consumer, beside the raw limits measured in the same run.

Runs the production shape on the embedded servers: the notifications API and worker as separate processes,
PostgreSQL with synchronous commit on, default delivery settings. Identity's person index is replaced by a
stub answering "match" at once, so the figures are notifications' own. Half the children belong to LA 841
(subscribed on its Kafka topic), half to LA 805 (subscribed by signed webhook to a receiver on 127.0.0.1).
Prints raw PostgreSQL transactions/s, raw aiokafka produce-to-consume records/s, sustained notifications/s
accepted, and p50/p99 latency from submission to the LA's webhook receiver and to its Kafka consumer.

    .venv/bin/python benchmarks/la_delivery.py [--events 1000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaConsumer
from pathfinder.auth import OrganisationRole, Scope, SigningKey
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.benchmarking import benchmark_servers, print_figures, service_processes, wait_until_ready
from pathfinder.devstack.demo_setup import message, unissued_nhs_number
from pathfinder.notifications.delivery.testing import WebhookReceiver
from pathfinder.notifications.domain.subscription import la_topic
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database

API_PORT = 18011
KAFKA_LA, WEBHOOK_LA = "841", "805"
POSTCODES = {KAFKA_LA: "DL1 4AB", WEBHOOK_LA: "TS24 8AA"}
RECEIVED = EarlyYearsNotificationReceived.event_type
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class StubIdentity(ThreadingHTTPServer):
    """Identity's token endpoint and ``/persons/$match``, answering a new person at once."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.path.startswith("/oauth2/token"):
                    answer: dict[str, Any] = {"access_token": "stub", "token_type": "Bearer", "expires_in": 600}
                else:
                    answer = {"outcome": "match", "person_id": str(uuid4())}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class TimedReceiver(WebhookReceiver):
    """The verifying webhook receiver, noting when each accepted delivery arrived."""

    arrivals: list[tuple[float, str]]

    def handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        before = len(self.accepted)
        super().handle(request, body)
        if len(self.accepted) > before:
            self.arrivals.append((time.time(), body.decode()))

    @classmethod
    @contextmanager
    def running(cls, secret: str) -> Iterator[TimedReceiver]:
        receiver = cls(secret=secret)
        receiver.arrivals = []
        receiver.start()
        try:
            yield receiver
        finally:
            receiver.stop()


def arrival_latencies(receiver: TimedReceiver, sent: dict[str, float]) -> list[float]:
    found = ((at, next((i for i in _UUID.findall(text) if i in sent), None)) for at, text in receiver.arrivals)
    return [at - sent[notification] for at, notification in found if notification is not None]


def quantiles_ms(latencies: list[float]) -> tuple[float, float]:
    if len(latencies) < 2:
        return float("nan"), float("nan")
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


async def kafka_latencies(bootstrap: str, sent: dict[str, float], expected: int, stop: asyncio.Event) -> list[float]:
    consumer = AIOKafkaConsumer(
        la_topic(KAFKA_LA), bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    arrived: dict[str, float] = {}
    try:
        while len(arrived) < expected and not stop.is_set():
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                now = time.time()
                for record in batch:
                    arrived.setdefault(json.loads(record.value or b"{}")["notification_id"], now)
    finally:
        await consumer.stop()
    return [at - sent[notification] for notification, at in arrived.items() if notification in sent]


async def run(env: dict[str, str], mint: TokenMint, bootstrap: str, events: int, concurrency: int) -> list[float]:
    trust = {
        "Content-Type": "application/fhir+json",
        **mint.headers_for(principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT)),
    }
    secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    sent: dict[str, float] = {}
    rng = random.Random(7)
    modules = [f"pathfinder.notifications.entrypoints.{role}" for role in ("api", "worker")]
    async with service_processes(modules, env):
        with TimedReceiver.running(secret) as receiver:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{API_PORT}", timeout=30, trust_env=False) as api:
                await wait_until_ready(api)
                scopes = (Scope.SUBSCRIPTIONS_MANAGE,)
                for la, terms in (
                    (KAFKA_LA, {"channel": "kafka"}),
                    (WEBHOOK_LA, {"channel": "webhook", "endpoint": receiver.url, "secrets": [secret]}),
                ):
                    headers = mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, la, *scopes))
                    made = await api.post("/subscriptions", json={**terms, "event_types": [RECEIVED]}, headers=headers)
                    made.raise_for_status()
                await asyncio.sleep(6)  # the worker creates the LA's topic on its next check
                documents = []
                for index in range(events):
                    la = (KAFKA_LA, WEBHOOK_LA)[index % 2]
                    child = ChildDemographics(
                        nhs_number=unissued_nhs_number(rng), given_names=("Alex",), family_name="Smith",
                        birth_date=date(date.today().year - 2, 3, 1), sex="female", postcode=POSTCODES[la],
                    )  # fmt: skip
                    documents.append(message("RH8", la, child))
                stop = asyncio.Event()
                kafka = asyncio.create_task(kafka_latencies(bootstrap, sent, events // 2 + events % 2, stop))

                async def submitter(remaining: Iterator[dict[str, Any]]) -> None:
                    for document in remaining:
                        at = time.time()
                        response = await api.post("/fhir/$process-message", json=document, headers=trust)
                        response.raise_for_status()
                        sent[response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]] = at

                remaining = iter(documents)
                started = time.perf_counter()
                await asyncio.gather(*(submitter(remaining) for _ in range(concurrency)))
                accept_rate = events / (time.perf_counter() - started)
                deadline = time.monotonic() + 120
                while len(receiver.accepted) < events // 2 and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                try:
                    kafka_lat = await asyncio.wait_for(kafka, max(1.0, deadline - time.monotonic()))
                except TimeoutError:
                    stop.set()
                    kafka_lat = []
                webhook_lat = arrival_latencies(receiver, sent)
        return [accept_rate, *quantiles_ms(webhook_lat), *quantiles_ms(kafka_lat), len(webhook_lat), len(kafka_lat)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    identity = StubIdentity()
    try:
        with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
            async with benchmark_servers(Path(state), broker_port=19093) as servers:
                url = servers.postgres.url("bench_notifications")
                await ensure_database(url)
                await upgrade_to_head("pathfinder.notifications:migrations", url)
                key = Path(state) / "identity-client.pem"
                key.write_bytes(SigningKey.generate(bits=2048).private_pem())
                mint = token_mint()
                env = servers.environment(
                    **mint.environment(),
                    PATHFINDER_NOTIFICATIONS_DATABASE_URL=url,
                    PATHFINDER_NOTIFICATIONS_HTTP_PORT=str(API_PORT),
                    PATHFINDER_NOTIFICATIONS_IDENTITY_URL=identity.url,
                    PATHFINDER_NOTIFICATIONS_IDENTITY_CLIENT_ID="benchmark",
                    PATHFINDER_NOTIFICATIONS_IDENTITY_CLIENT_KEY_FILE=str(key),
                    PATHFINDER_NOTIFICATIONS_INBOUND_RATE_PER_SECOND="1000000",
                    PATHFINDER_NOTIFICATIONS_INBOUND_RATE_BURST="1000000",
                    PATHFINDER_LA_DELIVERY_ALLOW_LOOPBACK_HTTP="true",
                )
                figures = await run(env, mint, servers.broker.bootstrap_servers, args.events, args.concurrency)
    finally:
        identity.shutdown()
    pg_rate, kafka_rate = servers.raw_postgres_rate, servers.raw_kafka_rate
    accept_rate, web50, web99, kafka50, kafka99, webhooks, records = figures
    rows = [
        ("raw PostgreSQL transactions/s (16 connections, 2 inserts)", f"{pg_rate:,.0f}"),
        ("raw aiokafka produce-to-consume records/s (300 B)", f"{kafka_rate:,.0f}"),
        (f"$process-message notifications accepted/s ({args.concurrency} clients)", f"{accept_rate:,.0f}"),
        ("accepted / raw PostgreSQL transaction rate", f"{accept_rate / pg_rate:.2f}"),
        (f"LA webhook deliveries measured (of {args.events // 2})", f"{webhooks:.0f}"),
        ("submission to LA webhook latency p50 (ms)", f"{web50:,.1f}"),
        ("submission to LA webhook latency p99 (ms)", f"{web99:,.1f}"),
        (f"LA Kafka records measured (of {args.events - args.events // 2})", f"{records:.0f}"),
        ("submission to LA Kafka consumer latency p50 (ms)", f"{kafka50:,.1f}"),
        ("submission to LA Kafka consumer latency p99 (ms)", f"{kafka99:,.1f}"),
    ]
    print_figures(rows)


if __name__ == "__main__":
    asyncio.run(main())
