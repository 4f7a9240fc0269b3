"""What the notification-path benchmarks share: FHIR notifications for two LAs (one subscribed on Kafka, one by
signed webhook), sent in a closed-loop burst or at a fixed rate in an open loop, and the time from each
submission to its 202, to the LA's webhook receiver and to the LA's own Kafka consumer.

A fixed rate sends notification i at start + i/rate whatever the answers before it, and counts latency from that
scheduled time, so a slow answer delays no later sending and hides no waiting (no coordinated omission)."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.benchmarking import p50_p99_ms
from pathfinder.devstack.webhook_receiver import Received, WebhookReceiver
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.platform.demo_setup import message, unissued_nhs_number

KAFKA_LA, WEBHOOK_LA = "841", "805"
POSTCODES = {KAFKA_LA: "DL1 4AB", WEBHOOK_LA: "TS24 8AA"}
RECEIVED = EarlyYearsNotificationReceived.event_type
DELIVERY_WAIT_SECONDS = 120.0
_GIVEN = ("Amelia", "Noah", "Isla", "Leo", "Ava", "Oscar", "Freya", "Arlo", "Maya", "Theo", "Ivy", "Jude", "Elsie",
          "Ezra", "Rosa", "Kian", "Nia", "Omar", "Zara", "Finn")  # fmt: skip
_FAMILY_STEMS = ("Ash", "Brad", "Cal", "Dun", "Fair", "Gold", "Hart", "Kings", "Lang", "Mor", "North", "Pen", "Red",
                 "Stan", "Thorn", "Wood")  # fmt: skip
_FAMILY_ENDINGS = ("ley", "ford", "well", "ton", "by", "wick", "more", "field", "ham", "worth", "stead", "croft")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class TimedReceiver(WebhookReceiver):
    """The verifying webhook receiver, noting when each accepted delivery arrived: by every id its body names,
    looked up as the deliveries are awaited (scanning every body on each look cost the load generator as much
    CPU as a service)."""

    first_named: dict[str, float]

    def note_arrival(self, received: Received) -> None:
        at = time.time()
        for named in _UUID.findall(received.raw.decode()):
            self.first_named.setdefault(named, at)

    @classmethod
    @contextmanager
    def running(cls, secret: str) -> Iterator[TimedReceiver]:
        receiver = cls(secret=secret)
        receiver.first_named = {}
        receiver.on_accept = receiver.note_arrival  # each verified delivery once, whichever thread took it
        receiver.start()
        try:
            yield receiver
        finally:
            receiver.stop()

    def arrived(self, sent: dict[str, float]) -> dict[str, float]:
        """When each notification in ``sent`` first reached the receiver."""
        named = dict(self.first_named)
        return {notification: named[notification] for notification in sent if notification in named}


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
    """FHIR message Bundles from the trust RH8, alternately for LA 841 and LA 805, each about a different child:
    names and birth dates vary enough that identity's person index finds no possible match among them, which
    would hold a notification for a person's review instead of naming the child."""
    made = []
    for index in range(count):
        la = (KAFKA_LA, WEBHOOK_LA)[index % 2]
        child = ChildDemographics(
            nhs_number=unissued_nhs_number(rng), given_names=(rng.choice(_GIVEN),),
            family_name=rng.choice(_FAMILY_STEMS) + rng.choice(_FAMILY_ENDINGS),
            birth_date=date.today() - timedelta(days=rng.randrange(60, 4 * 365)), sex=rng.choice(("female", "male")),
            postcode=POSTCODES[la],
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


def rows_for(name: str, found: ModeFigures, pg_rate: float) -> list[tuple[str, str]]:
    """The figures of one mode, each labelled ``[name] ...``."""
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
