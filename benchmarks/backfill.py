"""A trust's backfill on the whole platform: ``--notifications`` s23 notifications as NDJSON through
``$process-message/bulk`` (requests of ``--per-request`` entries, the bulk entry limit), identity's real person
index naming each child in batches (``$match-batch``, from the notifications worker's timer), to the two LAs'
Kafka topics, read by their own consumer; beside the raw limits measured on the same servers in the same run.

Printed: the end-to-end seconds and notifications/s (first request sent to the last record on an LA's topic), the
time to every entry accepted, and the CPU seconds each part of the platform spent per 1,000 notifications
(where the time goes). The target is 100,000 in under 60 seconds; the figure is printed whatever it is, and
what reached the topics within ``--wait`` seconds of the last entry accepted is counted, the rest by status.

    .venv/bin/python benchmarks/backfill.py [--notifications 100000] [--per-request 5000] [--concurrency 2]
                                            [--wait 600]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from notification_load import KAFKA_LA, RECEIVED, WEBHOOK_LA, documents
from pathfinder.devstack.benchmarking import print_figures, raw_kafka_rate, raw_postgres_rate
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.persistence.provisioning import ensure_database
from pathfinder.platform import demo_setup
from platform_processes import cpu_seconds, cpu_spent, platform_processes
from platform_throughput import BOOTSTRAP, LIMITS, NOTIFICATIONS, TRUST, running_platform, until_ready

LAS = (KAFKA_LA, WEBHOOK_LA)
QUIET_SECONDS = 30.0  # nothing new on the topics for this long: the rest are held, or lost


class TopicArrivals:
    """The LAs' own consumer of their topics: when each notification's record first arrived."""

    def __init__(self, bootstrap: str) -> None:
        self.arrived: dict[str, float] = {}
        self._consumer = AIOKafkaConsumer(
            *(la_topic(la) for la in LAS), bootstrap_servers=bootstrap, auto_offset_reset="earliest",
            enable_auto_commit=False,
        )  # fmt: skip
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TopicArrivals:
        await self._consumer.start()
        self._task = asyncio.create_task(self._consume())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _consume(self) -> None:
        while True:
            for batch in (await self._consumer.getmany(timeout_ms=200, max_records=5000)).values():
                now = time.monotonic()
                for record in batch:
                    self.arrived.setdefault(json.loads(record.value or b"{}")["notification_id"], now)


def ndjson_requests(count: int, per_request: int, rng: random.Random) -> list[bytes]:
    made = [json.dumps(document) for _la, document in documents(count, rng)]
    return ["\n".join(made[start : start + per_request]).encode() + b"\n" for start in range(0, count, per_request)]


async def send_all(
    api: httpx.AsyncClient, headers: dict[str, str], bodies: list[bytes], concurrency: int
) -> tuple[set[str], int]:
    """The ids of the notifications accepted, and how many entries were not."""
    accepted: set[str] = set()
    refused = 0
    remaining = iter(enumerate(bodies))

    async def client() -> None:
        nonlocal refused
        for index, body in remaining:
            sent = {**headers, "Content-Type": "application/x-ndjson", "X-Request-ID": f"backfill:{index}"}
            response = await api.post("/fhir/$process-message/bulk", content=body, headers=sent)
            response.raise_for_status()
            for line in response.text.splitlines():
                answer: dict[str, Any] = json.loads(line)
                if answer["http_status"] == 202:
                    accepted.add(answer["id"])
                else:
                    refused += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return accepted, refused


async def trust_headers(state: Path, http: httpx.AsyncClient) -> dict[str, str]:
    """The trust's headers, once both LAs subscribe on Kafka."""
    identity_db = f"postgresql://postgres@/pathfinder_identity?host={(state / 'postgres').resolve()}"
    wanted = {TRUST: demo_setup.TRUST_SCOPES, **{la: demo_setup.LA_SCOPES for la in LAS}}
    clients = await demo_setup.seed(identity_db, state / "clients", wanted)
    headers = {org: await demo_setup.token(http, client) for org, client in clients.items()}
    for la in LAS:
        await demo_setup.resubscribe(http, headers[la], channel="kafka", event_types=[RECEIVED])
    return headers[TRUST]


async def on_topics(arrivals: TopicArrivals, accepted: set[str], wait: float) -> float | None:
    """Monotonic time the last accepted notification to arrive reached its LA's topic, once all did or nothing
    new came for ``QUIET_SECONDS`` (identity holds a possible match for a person's review); None if none came."""
    deadline, last_count, last_change = time.monotonic() + wait, -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(accepted & arrivals.arrived.keys())
        if count == len(accepted):
            break
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > QUIET_SECONDS:
            break
        await asyncio.sleep(0.2)
    times = [arrivals.arrived[notification] for notification in accepted & arrivals.arrived.keys()]
    return max(times) if times else None


async def statuses(state: Path) -> dict[str, int]:
    """The backfill's notifications by status, from the notifications database."""
    url = f"postgresql://postgres@/pathfinder_notifications?host={(state / 'postgres').resolve()}"
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT status, count(*) FROM early_years_notification GROUP BY status")
    finally:
        await connection.close()
    return {row[0]: row[1] for row in rows}


async def measure(state: Path, args: argparse.Namespace) -> list[tuple[str, str]]:
    bodies = ndjson_requests(args.notifications, args.per_request, random.Random(16))
    with running_platform(state) as platform:
        await until_ready(platform, state)
        await asyncio.sleep(5)  # start-up's own work settles
        raw_url = f"postgresql://postgres@/bench_raw?host={(state / 'postgres').resolve()}"
        await ensure_database(raw_url)
        pg_rate, kafka_rate = await raw_postgres_rate(raw_url), await raw_kafka_rate(BOOTSTRAP)
        async with httpx.AsyncClient(base_url=NOTIFICATIONS, timeout=600, trust_env=False, limits=LIMITS) as api:
            headers = await trust_headers(state, api)
            await asyncio.sleep(6)  # the worker makes the LAs' topics on its next check
            async with TopicArrivals(BOOTSTRAP) as arrivals:
                processes = platform_processes(platform.pid, state)
                before, started = cpu_seconds(processes), time.monotonic()
                accepted, refused = await send_all(api, headers, bodies, args.concurrency)
                accepted_at = time.monotonic()
                last = await on_topics(arrivals, accepted, args.wait)
                spent = cpu_spent(before, cpu_seconds(platform_processes(platform.pid, state)))
                arrived = len(accepted & arrivals.arrived.keys())
                by_status = await statuses(state)
    count = args.notifications
    to_accept = accepted_at - started
    rows = [
        ("raw PostgreSQL transactions/s (16 connections, 2 inserts), the platform's server", f"{pg_rate:,.0f}"),
        ("raw aiokafka produce-to-consume records/s (300 B), the platform's broker", f"{kafka_rate:,.0f}"),
        (f"notifications in the backfill ({len(bodies)} NDJSON requests, {args.concurrency} at a time)", f"{count:,}"),
        ("entries not accepted", f"{refused:,}"),
        ("seconds to every entry accepted (202 in its request's answer)", f"{to_accept:,.1f}"),
        ("accepted notifications/s", f"{len(accepted) / to_accept:,.0f}"),
        ("accepted notifications/s / raw PostgreSQL transactions/s", f"{len(accepted) / to_accept / pg_rate:.2f}"),
        ("notifications on the LAs' Kafka topics", f"{arrived:,}"),
        *((f"notifications {status} at the end", f"{number:,}") for status, number in sorted(by_status.items())),
    ]
    if last is not None:
        end_to_end = last - started
        met = count >= 100_000 and arrived == len(accepted) and end_to_end < 60
        rows += [
            (
                "seconds end to end: first request sent to the last record to arrive on an LA's topic",
                f"{end_to_end:,.1f}",
            ),
            ("notifications on the topics/s end to end", f"{arrived / end_to_end:,.0f}"),
            (
                "notifications on the topics/s end to end / raw Kafka records/s",
                f"{arrived / end_to_end / kafka_rate:.4f}",
            ),
            ("target: 100,000 end to end in under 60 s, met", "yes" if met else "no"),
        ]
    else:
        rows.append(("seconds end to end", f"none arrived within {args.wait:,.0f} s"))
    for part, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        rows.append((f"CPU s per 1,000 notifications: {part}", f"{seconds * 1000 / count:,.2f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notifications", type=int, default=100_000, help="notifications in the backfill")
    parser.add_argument("--per-request", type=int, default=5_000, help="NDJSON lines in each bulk request")
    parser.add_argument("--concurrency", type=int, default=2, help="bulk requests in flight at once")
    parser.add_argument("--wait", type=float, default=600.0, help="longest wait for the LAs' topics (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        rows = asyncio.run(measure(Path(state), args))
    print_figures(rows)


if __name__ == "__main__":
    main()
