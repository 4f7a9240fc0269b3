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
import random
import tempfile
from pathlib import Path

import httpx
from notification_load import (
    KAFKA_LA,
    RECEIVED,
    WEBHOOK_LA,
    KafkaArrivals,
    ModeFigures,
    TimedReceiver,
    burst,
    delivered,
    documents,
    figures,
    fixed_rate,
    rows_for,
)
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.devstack.benchmarking import (
    StubIdentity,
    benchmark_servers,
    print_figures,
    service_processes,
    wait_until_ready,
)
from pathfinder.devstack.webhook_receiver import new_secret
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database
from pathfinder.persistence.sealing import new_key_text

API_PORT = 18011


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
        if mode == "burst":
            name = f"burst, {args.events} from {args.concurrency} clients"
        else:
            name = f"rate, {args.rate:g}/s for {args.seconds:g} s"
        rows.extend(rows_for(name, found, pg_rate))
    print_figures(rows)


if __name__ == "__main__":
    asyncio.run(main())
