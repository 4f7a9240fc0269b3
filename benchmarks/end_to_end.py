"""End-to-end benchmark: notifications accepted over HTTP to ehcp's committed effect, beside the raw limits.

Runs the production shape on the embedded servers: the notifications API and both services' workers as
separate processes, PostgreSQL with synchronous commit on; FHIR message Bundles on ``$process-message``, with
identity's ``$match`` answered by a stub so the figures are the platform's own. Prints:
  - raw PostgreSQL transactions/s (16 connections, two inserts per transaction),
  - raw aiokafka produce-to-consume records/s (300-byte records, one producer, one consumer),
  - sustained end-to-end events/s and p50/p99 latency from API accept to the consumer's commit.

    .venv/bin/python benchmarks/end_to_end.py [--events 3000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.devstack.benchmarking import (
    StubIdentity,
    benchmark_servers,
    p50_p99_ms,
    print_figures,
    service_processes,
    wait_until_ready,
)
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database
from pathfinder.persistence.sealing import new_key_text
from pathfinder.platform.demo_setup import message, unissued_nhs_number

API_PORT = 18001
FHIR = {"Content-Type": "application/fhir+json"}
WARM_UP = 50


async def _wait_for(connection: asyncpg.Connection, count: int) -> None:
    while await connection.fetchval("SELECT count(*) FROM early_years_notice") < count:
        await asyncio.sleep(0.05)


def documents(count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """FHIR message Bundles from the Royal Devon (RH8) about young children in Devon (878)."""
    for _ in range(count):
        child = ChildDemographics(
            nhs_number=unissued_nhs_number(rng), given_names=("Alex",), family_name="Smith",
            birth_date=date(date.today().year - 2, 3, 1), sex="female", postcode="EX1 1AA",
        )  # fmt: skip
        yield message("RH8", "878", child)


async def end_to_end(
    env: dict[str, str], ehcp_url: str, *, events: int, concurrency: int, headers: dict[str, str]
) -> tuple[float, float, float, float]:
    modules = [
        "pathfinder.notifications.api",
        "pathfinder.notifications.worker",
        "pathfinder.ehcp.worker",
    ]
    async with service_processes(modules, env):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{API_PORT}", timeout=30, headers=headers) as client:
            await wait_until_ready(client)

            rng = random.Random(7)

            async def submit(count: int) -> None:
                remaining = documents(count, rng)
                await asyncio.gather(*(submitter(remaining) for _ in range(concurrency)))

            async def submitter(remaining: Iterator[dict[str, Any]]) -> None:
                for document in remaining:
                    response = await client.post("/fhir/$process-message", json=document, headers=FHIR)
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
        return events / accepted, events / elapsed, *p50_p99_ms(latencies)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    identity = StubIdentity()
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        async with benchmark_servers(Path(state)) as servers:
            urls = {name: servers.postgres.url(f"bench_{name}") for name in ("notifications", "ehcp")}
            for name, url in urls.items():
                await ensure_database(url)
                await upgrade_to_head(f"pathfinder.{name}:migrations", url)
            # A trust's real signed access token, verified by the API against the JWKS given in its settings.
            tokens = token_mint()
            trust = principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT)
            env = servers.environment(
                **tokens.environment(),
                PATHFINDER_NOTIFICATIONS_DATABASE_URL=urls["notifications"],
                PATHFINDER_NOTIFICATIONS_HTTP_PORT=str(API_PORT),
                PATHFINDER_EHCP_DATABASE_URL=urls["ehcp"],
                PATHFINDER_NOTIFICATIONS_INBOUND_RATE_PER_SECOND="1000000",
                PATHFINDER_NOTIFICATIONS_INBOUND_RATE_BURST="1000000",
                # The worker opens what the API sealed (the child's details, to ask identity): one key for both.
                PATHFINDER_LA_DELIVERY_SECRETS_KEY=new_key_text(),
                **identity.environment(Path(state) / "identity-client.pem"),
            )
            try:
                accept_rate, rate, p50, p99 = await end_to_end(
                    env,
                    urls["ehcp"],
                    events=args.events,
                    concurrency=args.concurrency,
                    headers=tokens.headers_for(trust),
                )
            finally:
                identity.shutdown()
    pg_rate, kafka_rate = servers.raw_postgres_rate, servers.raw_kafka_rate
    print_figures(
        [
            ("raw PostgreSQL transactions/s (16 connections, 2 inserts)", f"{pg_rate:,.0f}"),
            ("raw aiokafka produce-to-consume records/s (300 B)", f"{kafka_rate:,.0f}"),
            ("notifications accepted/s over HTTP (one API process)", f"{accept_rate:,.0f}"),
            ("end-to-end events/s (HTTP accept to ehcp commit)", f"{rate:,.0f}"),
            ("end-to-end latency p50 (ms)", f"{p50:,.1f}"),
            ("end-to-end latency p99 (ms)", f"{p99:,.1f}"),
            ("end-to-end / raw PostgreSQL transaction rate", f"{rate / pg_rate:.2f}"),
            ("end-to-end / raw Kafka rate", f"{rate / kafka_rate:.3f}"),
        ]
    )


if __name__ == "__main__":
    asyncio.run(main())
