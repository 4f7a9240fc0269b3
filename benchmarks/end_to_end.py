"""End-to-end benchmark: notifications accepted over HTTP to ehcp's committed effect, beside the raw limits.

Runs the production shape on the embedded servers: the notifications API and both services' workers as
separate processes, PostgreSQL with synchronous commit on. Prints:
  - raw PostgreSQL transactions/s (16 connections, two inserts per transaction),
  - raw aiokafka produce-to-consume records/s (300-byte records, one producer, one consumer),
  - sustained end-to-end events/s and p50/p99 latency from API accept to the consumer's commit.

    .venv/bin/python benchmarks/end_to_end.py [--events 3000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database

API_PORT = 18001
WARM_UP = 50


async def _wait_for(connection: asyncpg.Connection, count: int) -> None:
    while await connection.fetchval("SELECT count(*) FROM early_years_notice") < count:
        await asyncio.sleep(0.05)


async def raw_postgres_rate(url: str, *, seconds: float = 5.0, connections: int = 16) -> float:
    dsn = asyncpg_dsn(url)
    setup = await asyncpg.connect(dsn)
    await setup.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, body text)")
    await setup.close()
    done = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        connection = await asyncpg.connect(dsn)
        try:
            while time.perf_counter() < deadline:
                async with connection.transaction():
                    await connection.execute("INSERT INTO bench_raw (body) VALUES ($1)", "x" * 300)
                    await connection.execute("INSERT INTO bench_raw (body) VALUES ($1)", "y" * 300)
                done += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return done / (time.perf_counter() - started)


async def raw_kafka_rate(bootstrap: str, *, records: int = 50_000) -> float:
    topic = f"bench-raw-{uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=5)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None)
    await producer.start()
    await consumer.start()
    value = b"v" * 300
    try:
        started = time.perf_counter()

        async def produce() -> None:
            futures = [await producer.send(topic, value, key=str(i % 97).encode()) for i in range(records)]
            await asyncio.gather(*futures)

        async def consume() -> None:
            seen = 0
            while seen < records:
                batch = await consumer.getmany(timeout_ms=500)
                seen += sum(len(r) for r in batch.values())

        await asyncio.gather(produce(), consume())
        return records / (time.perf_counter() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def end_to_end(
    env: dict[str, str], ehcp_url: str, *, events: int, concurrency: int, headers: dict[str, str]
) -> tuple[float, float, float, float]:
    def spawn(module: str) -> asyncio.Future[asyncio.subprocess.Process]:
        return asyncio.ensure_future(
            asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                module,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )

    processes = [
        await spawn("pathfinder.notifications.entrypoints.api"),
        await spawn("pathfinder.notifications.entrypoints.worker"),
        await spawn("pathfinder.ehcp.entrypoints.worker"),
    ]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{API_PORT}", timeout=30, headers=headers) as client:
            for _ in range(300):
                try:
                    if (await client.get("/health/ready")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)

            async def submit(count: int) -> None:
                remaining = iter(range(count))
                await asyncio.gather(*(submitter(remaining) for _ in range(concurrency)))

            async def submitter(remaining: Iterator[int]) -> None:
                for _ in remaining:
                    response = await client.post(
                        "/early-years-notifications",
                        json={
                            "person_id": str(uuid4()),
                            "responsible_la": "878",
                            "notifying_organisation": "RH8",
                            "opinion_formed_on": "2026-11-02",
                            "parent_informed": True,
                            "discussion_offered": True,
                        },
                    )
                    response.raise_for_status()

            connection = await asyncpg.connect(asyncpg_dsn(ehcp_url))
            # Warm-up: the consumer group's first join takes seconds; it is not part of the sustained figure.
            await submit(WARM_UP)
            await _wait_for(connection, WARM_UP)
            started = time.perf_counter()
            await submit(events)
            accepted = time.perf_counter() - started
        try:
            await _wait_for(connection, WARM_UP + events)
            elapsed = time.perf_counter() - started
            latencies = [
                float(row["latency"])
                for row in await connection.fetch(
                    "SELECT extract(epoch FROM recorded_at - received_at) AS latency FROM early_years_notice "
                    "ORDER BY received_at OFFSET $1",
                    WARM_UP,
                )
            ]
        finally:
            await connection.close()
        quantiles = statistics.quantiles(latencies, n=100)
        return events / accepted, events / elapsed, quantiles[49], quantiles[98]
    finally:
        for process in processes:
            process.terminate()
        await asyncio.gather(*(process.wait() for process in processes))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        broker = EmbeddedBroker()
        broker.start()
        postgres = EmbeddedPostgres(Path(state) / "postgres")
        postgres.start()
        try:
            bench_url = postgres.url("bench_raw")
            await ensure_database(bench_url)
            pg_rate = await raw_postgres_rate(bench_url)
            kafka_rate = await raw_kafka_rate(broker.bootstrap_servers)
            urls = {name: postgres.url(f"bench_{name}") for name in ("notifications", "ehcp")}
            for name, url in urls.items():
                await ensure_database(url)
                await upgrade_to_head(f"pathfinder.{name}:migrations", url)
            # A trust's real signed access token, verified by the API against the JWKS given in its settings.
            tokens = token_mint()
            trust = principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT)
            auth = tokens.auth_settings()
            env = {
                **os.environ,
                "PATHFINDER_AUTH_ISSUER": auth.issuer,
                "PATHFINDER_AUTH_AUDIENCE": auth.audience,
                "PATHFINDER_AUTH_JWKS_JSON": auth.jwks_json or "",
                "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
                "PATHFINDER_KAFKA_PROFILE": "embedded",
                "PATHFINDER_TELEMETRY_EXPORTER": "none",
                "PATHFINDER_TELEMETRY_LOG_LEVEL": "WARNING",
                "PATHFINDER_NOTIFICATIONS_DATABASE_URL": urls["notifications"],
                "PATHFINDER_NOTIFICATIONS_HTTP_PORT": str(API_PORT),
                "PATHFINDER_EHCP_DATABASE_URL": urls["ehcp"],
            }
            accept_rate, rate, p50, p99 = await end_to_end(
                env, urls["ehcp"], events=args.events, concurrency=args.concurrency, headers=tokens.headers_for(trust)
            )
        finally:
            postgres.stop()
            broker.stop()
    print(f"{'measure':<58} {'figure':>14}")
    print(f"{'raw PostgreSQL transactions/s (16 connections, 2 inserts)':<58} {pg_rate:>14,.0f}")
    print(f"{'raw aiokafka produce-to-consume records/s (300 B)':<58} {kafka_rate:>14,.0f}")
    print(f"{'notifications accepted/s over HTTP (one API process)':<58} {accept_rate:>14,.0f}")
    print(f"{'end-to-end events/s (HTTP accept to ehcp commit)':<58} {rate:>14,.0f}")
    print(f"{'end-to-end latency p50 (ms)':<58} {p50 * 1000:>14,.1f}")
    print(f"{'end-to-end latency p99 (ms)':<58} {p99 * 1000:>14,.1f}")
    print(f"{'end-to-end / raw PostgreSQL transaction rate':<58} {rate / pg_rate:>14.2f}")
    print(f"{'end-to-end / raw Kafka rate':<58} {rate / kafka_rate:>14.3f}")


if __name__ == "__main__":
    asyncio.run(main())
