"""LA delivery benchmark: FHIR notifications accepted on ``$process-message``, and their delivery to an LA's
webhook and to an LA's Kafka consumer, beside the raw limits measured in the same run.

Runs the production shape on the embedded servers: the notifications API and worker as separate processes,
PostgreSQL with synchronous commit on, default delivery settings. Identity's person index is replaced by a
stub answering "match" at once, so the figures are notifications' own. Half the children belong to LA 841
(subscribed on its Kafka topic), half to LA 805 (subscribed by signed webhook to a receiver on 127.0.0.1).

Two modes, run one after the other on the same processes:
  - burst: ``--events`` notifications from ``--concurrency`` clients as fast as the API answers (closed loop:
    what the API can absorb; the backlog it builds shows in the delivery latency);
  - rate: ``--rate`` notifications/s for ``--seconds``, each sent at its scheduled time whatever the answers
    before it (open loop). Latency counts from the scheduled time, so a slow answer delays no later sending
    and hides no waiting (no coordinated omission).
For each it prints notifications/s accepted and p50/p99 latency from submission to the LA's webhook receiver
and to its Kafka consumer, beside raw PostgreSQL transactions/s and raw aiokafka records/s.

    .venv/bin/python benchmarks/la_delivery.py [--mode both|burst|rate] [--events 1000] [--concurrency 16]
                                               [--rate 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.benchmarking import (
    StubIdentity,
    benchmark_servers,
    p50_p99_ms,
    print_figures,
    service_processes,
    wait_until_ready,
)
from pathfinder.devstack.webhook_receiver import WebhookReceiver, new_secret
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database
from pathfinder.persistence.sealing import new_key_text
from pathfinder.platform.demo_setup import message, unissued_nhs_number

API_PORT = 18011
KAFKA_LA, WEBHOOK_LA = "841", "805"
POSTCODES = {KAFKA_LA: "DL1 4AB", WEBHOOK_LA: "TS24 8AA"}
RECEIVED = EarlyYearsNotificationReceived.event_type
DELIVERY_WAIT_SECONDS = 120.0
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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

    def arrived(self, sent: dict[str, float]) -> dict[str, float]:
        """When each notification in ``sent`` first reached the receiver."""
        found: dict[str, float] = {}
        for at, text in list(self.arrivals):
            notification = next((i for i in _UUID.findall(text) if i in sent), None)
            if notification is not None:
                found.setdefault(notification, at)
        return found


class KafkaArrivals:
    """The LA's own consumer of its topic, noting when each notification's record first arrived."""

    def __init__(self, bootstrap: str) -> None:
        self.arrived: dict[str, float] = {}
        self._bootstrap = bootstrap
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> KafkaArrivals:
        consumer = AIOKafkaConsumer(
            la_topic(KAFKA_LA),
            bootstrap_servers=self._bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        self._task = asyncio.create_task(self._consume(consumer))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while not self._stop.is_set():
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    now = time.time()
                    for record in batch:
                        self.arrived.setdefault(json.loads(record.value or b"{}")["notification_id"], now)
        finally:
            await consumer.stop()


@dataclass
class Submissions:
    """One mode's notifications: when each accepted one was sent (wall clock, for the arrival times) and to
    which LA, and how long the API took to accept it."""

    sent: dict[str, float] = field(default_factory=dict)
    la_of: dict[str, str] = field(default_factory=dict)
    accept_latencies: list[float] = field(default_factory=list)
    failed: int = 0

    def expected(self, la: str) -> set[str]:
        return {notification for notification, code in self.la_of.items() if code == la}


@dataclass(frozen=True)
class ModeFigures:
    accepted_per_second: float
    accept_latency: tuple[float, float]
    webhook_latency: tuple[float, float]
    kafka_latency: tuple[float, float]
    webhooks: int
    records: int
    expected_webhooks: int
    expected_records: int
    failed: int


def documents(count: int, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    made = []
    for index in range(count):
        la = (KAFKA_LA, WEBHOOK_LA)[index % 2]
        child = ChildDemographics(
            nhs_number=unissued_nhs_number(rng), given_names=("Alex",), family_name="Smith",
            birth_date=date(date.today().year - 2, 3, 1), sex="female", postcode=POSTCODES[la],
        )  # fmt: skip
        made.append((la, message("RH8", la, child)))
    return made


async def submit(
    api: httpx.AsyncClient,
    headers: dict[str, str],
    la: str,
    document: dict[str, Any],
    sent_at: float,
    into: Submissions,
) -> None:
    """``sent_at``: wall-clock time the submission counts from (its scheduled time in rate mode)."""
    try:
        response = await api.post("/fhir/$process-message", json=document, headers=headers)
    except httpx.HTTPError:
        into.failed += 1
        return
    if response.status_code != 202:
        into.failed += 1
        return
    notification = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    into.sent[notification] = sent_at
    into.la_of[notification] = la
    into.accept_latencies.append(time.time() - sent_at)


async def burst(
    api: httpx.AsyncClient, headers: dict[str, str], batch: list[tuple[str, dict[str, Any]]], concurrency: int
) -> tuple[Submissions, float]:
    """Closed loop: each client sends its next notification when the last is answered."""
    done = Submissions()
    remaining = iter(batch)

    async def client() -> None:
        for la, document in remaining:
            await submit(api, headers, la, document, time.time(), done)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return done, time.perf_counter() - started


async def fixed_rate(
    api: httpx.AsyncClient, headers: dict[str, str], batch: list[tuple[str, dict[str, Any]]], rate: float
) -> tuple[Submissions, float]:
    """Open loop: notification i is sent at start + i/rate, whether or not earlier ones were answered."""
    done = Submissions()
    in_flight: set[asyncio.Task[None]] = set()
    started, wall_start = time.perf_counter(), time.time()
    for index, (la, document) in enumerate(batch):
        offset = index / rate
        delay = started + offset - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(submit(api, headers, la, document, wall_start + offset, done))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.gather(*in_flight)
    return done, time.perf_counter() - started


async def delivered(
    done: Submissions, receiver: TimedReceiver, kafka: KafkaArrivals
) -> tuple[dict[str, float], dict[str, float]]:
    """Webhook and Kafka arrival times of this mode's notifications, once all came or the wait ran out."""
    want_webhooks, want_records = done.expected(WEBHOOK_LA), done.expected(KAFKA_LA)
    deadline = time.monotonic() + DELIVERY_WAIT_SECONDS
    while time.monotonic() < deadline:
        webhooks = receiver.arrived(done.sent)
        if want_webhooks <= webhooks.keys() and want_records <= kafka.arrived.keys():
            break
        await asyncio.sleep(0.2)
    records = {n: at for n, at in kafka.arrived.items() if n in want_records}
    return receiver.arrived(done.sent), records


def figures(done: Submissions, elapsed: float, webhooks: dict[str, float], records: dict[str, float]) -> ModeFigures:
    return ModeFigures(
        accepted_per_second=len(done.sent) / elapsed,
        accept_latency=p50_p99_ms(done.accept_latencies),
        webhook_latency=p50_p99_ms([at - done.sent[n] for n, at in webhooks.items()]),
        kafka_latency=p50_p99_ms([at - done.sent[n] for n, at in records.items()]),
        webhooks=len(webhooks),
        records=len(records),
        expected_webhooks=len(done.expected(WEBHOOK_LA)),
        expected_records=len(done.expected(KAFKA_LA)),
        failed=done.failed,
    )


async def run(env: dict[str, str], mint: TokenMint, bootstrap: str, args: argparse.Namespace) -> dict[str, ModeFigures]:
    trust = {
        "Content-Type": "application/fhir+json",
        **mint.headers_for(principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT)),
    }
    secret = new_secret()
    rng = random.Random(7)
    modes = ("burst", "rate") if args.mode == "both" else (args.mode,)
    batches = {
        "burst": documents(args.events, rng) if "burst" in modes else [],
        "rate": documents(round(args.rate * args.seconds), rng) if "rate" in modes else [],
    }
    results: dict[str, ModeFigures] = {}
    modules = [f"pathfinder.notifications.{role}" for role in ("api", "worker")]
    # Enough connections that the open loop never waits for one: a queue in the client would hide the API's.
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    async with service_processes(modules, env):
        with TimedReceiver.running(secret) as receiver:
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{API_PORT}", timeout=60, trust_env=False, limits=limits
            ) as api:
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
                async with KafkaArrivals(bootstrap) as kafka:
                    for mode in modes:
                        if mode == "burst":
                            done, elapsed = await burst(api, trust, batches[mode], args.concurrency)
                        else:
                            done, elapsed = await fixed_rate(api, trust, batches[mode], args.rate)
                        webhooks, records = await delivered(done, receiver, kafka)
                        results[mode] = figures(done, elapsed, webhooks, records)
    return results


def rows_for(mode: str, found: ModeFigures, args: argparse.Namespace, pg_rate: float) -> list[tuple[str, str]]:
    if mode == "burst":
        name = f"burst, {args.events} from {args.concurrency} clients"
    else:
        name = f"rate, {args.rate:g}/s for {args.seconds:g} s"
    rows = [
        (f"[{name}] notifications accepted/s", f"{found.accepted_per_second:,.1f}"),
        (f"[{name}] accepted / raw PostgreSQL transaction rate", f"{found.accepted_per_second / pg_rate:.3f}"),
        (f"[{name}] submission to 202 latency p50 (ms)", f"{found.accept_latency[0]:,.1f}"),
        (f"[{name}] submission to 202 latency p99 (ms)", f"{found.accept_latency[1]:,.1f}"),
        (f"[{name}] LA webhook deliveries measured (of {found.expected_webhooks})", f"{found.webhooks}"),
        (f"[{name}] submission to LA webhook latency p50 (ms)", f"{found.webhook_latency[0]:,.1f}"),
        (f"[{name}] submission to LA webhook latency p99 (ms)", f"{found.webhook_latency[1]:,.1f}"),
        (f"[{name}] LA Kafka records measured (of {found.expected_records})", f"{found.records}"),
        (f"[{name}] submission to LA Kafka consumer latency p50 (ms)", f"{found.kafka_latency[0]:,.1f}"),
        (f"[{name}] submission to LA Kafka consumer latency p99 (ms)", f"{found.kafka_latency[1]:,.1f}"),
    ]
    if found.failed:
        rows.append((f"[{name}] submissions refused or failed", f"{found.failed}"))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("both", "burst", "rate"), default="both")
    parser.add_argument("--events", type=int, default=1000, help="burst: notifications to send")
    parser.add_argument("--concurrency", type=int, default=16, help="burst: clients")
    parser.add_argument("--rate", type=float, default=20.0, help="rate: notifications per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="rate: how long")
    args = parser.parse_args()
    identity = StubIdentity()
    try:
        with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
            async with benchmark_servers(Path(state), broker_port=19093) as servers:
                url = servers.postgres.url("bench_notifications")
                await ensure_database(url)
                await upgrade_to_head("pathfinder.notifications:migrations", url)
                mint = token_mint()
                env = servers.environment(
                    **mint.environment(),
                    PATHFINDER_NOTIFICATIONS_DATABASE_URL=url,
                    PATHFINDER_NOTIFICATIONS_HTTP_PORT=str(API_PORT),
                    **identity.environment(Path(state) / "identity-client.pem"),
                    PATHFINDER_NOTIFICATIONS_INBOUND_RATE_PER_SECOND="1000000",
                    PATHFINDER_NOTIFICATIONS_INBOUND_RATE_BURST="1000000",
                    PATHFINDER_LA_DELIVERY_ALLOW_LOOPBACK_HTTP="true",
                    # One sealing key for the API (which seals webhook secrets) and the worker (which opens them).
                    PATHFINDER_LA_DELIVERY_SECRETS_KEY=new_key_text(),
                )
                results = await run(env, mint, servers.broker.bootstrap_servers, args)
    finally:
        identity.shutdown()
    pg_rate, kafka_rate = servers.raw_postgres_rate, servers.raw_kafka_rate
    rows = [
        ("raw PostgreSQL transactions/s (16 connections, 2 inserts)", f"{pg_rate:,.0f}"),
        ("raw aiokafka produce-to-consume records/s (300 B)", f"{kafka_rate:,.0f}"),
    ]
    for mode, found in results.items():
        rows.extend(rows_for(mode, found, args, pg_rate))
    print_figures(rows)


if __name__ == "__main__":
    asyncio.run(main())
