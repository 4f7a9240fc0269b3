"""The notification path on the whole platform: every service's API and worker as ``python3 dev.py up`` runs them
on the embedded broker and PostgreSQL, identity's real person index naming each child, beside the raw limits
measured on the same servers in the same run.

1. Raw limits: PostgreSQL transactions/s (16 connections, two 300-byte inserts each) and aiokafka produce-to-
   consume records/s on the platform's own servers; and a FastAPI JSON POST that does nothing
   (``benchmarks/trivial_api.py``, the same kind of process as every API) sent the same documents by the same
   number of clients (requests/s).
2. Bursts: FHIR message Bundles on ``$process-message`` from the trust RH8's real client (its token from
   identity), as fast as the API answers from each ``--concurrency`` of clients (closed loop). Half the children
   are LA 841's (subscribed on its Kafka topic, read by the LA's own consumer), half LA 805's (signed webhook to
   a receiver on 127.0.0.1).
3. A fixed rate: ``--rate`` notifications/s for ``--seconds`` (open loop), latency from each scheduled time to
   its 202, to LA 805's webhook receiver and to LA 841's Kafka consumer.
4. Where the time goes: a last burst from the most clients, every service process sampled by py-spy for
   ``--profile-seconds`` from its start (after the figures above, so that sampling costs none of them). For each
   process, the share of its work in each library (a socket write under asyncpg is a PostgreSQL round trip) and
   the project's functions that cost it most.
5. Memory: the resident memory of every process of the platform (its services, PostgreSQL and the broker)
   idle after start-up, and the most seen while the bursts and the fixed rate ran; RSS counts pages shared
   between processes in each, PSS shares them out.

    .venv/bin/python benchmarks/platform_throughput.py [--events 2000] [--concurrency 16 32] [--rate 50]
                                                       [--seconds 30] [--api-processes 1] [--profile-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

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
from pathfinder.devstack.benchmarking import print_figures, raw_kafka_rate, raw_postgres_rate
from pathfinder.devstack.processes import port_is_free
from pathfinder.devstack.stack_samples import sample_parts
from pathfinder.devstack.webhook_receiver import new_secret
from pathfinder.persistence.provisioning import ensure_database
from pathfinder.platform import demo_setup
from pathfinder.platform.services import SERVICES
from platform_processes import MemoryWatch, cpu_seconds, cpu_spent, platform_memory, platform_processes

BENCHMARKS = Path(__file__).resolve().parent
TRUST = "RH8"
BOOTSTRAP = "127.0.0.1:9092"
NOTIFICATIONS = "http://127.0.0.1:8001"
TRIVIAL_PORT = 18190
PLATFORM = """
import sys
from pathlib import Path
from pathfinder.platform.running import PlatformOptions, run_platform
sys.exit(run_platform(PlatformOptions(state_dir=Path(sys.argv[1]), ready_timeout=180.0)))
"""
SETTINGS = {
    # The trust's own limit would refuse a load test; every other setting is the platform's default.
    "PATHFINDER_NOTIFICATIONS_INBOUND_RATE_PER_SECOND": "1000000",
    "PATHFINDER_NOTIFICATIONS_INBOUND_RATE_BURST": "1000000",
    "PATHFINDER_TELEMETRY_EXPORTER": "none",
    "PATHFINDER_TELEMETRY_LOG_LEVEL": "WARNING",
}
IDLE_SECONDS = 10.0
LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)


@contextmanager
def running_platform(state: Path, *, api_processes: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    busy = [service.http_port for service in SERVICES if not port_is_free(service.http_port)]
    if busy or not port_is_free(9092):
        raise SystemExit(f"ports in use ({busy or 9092}): stop the running platform first")
    log = (state / "platform.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", PLATFORM, str(state)],
        env={**os.environ, **SETTINGS, "PATHFINDER_NOTIFICATIONS_HTTP_PROCESSES": str(api_processes)},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def until_ready(platform: subprocess.Popen[bytes], state: Path, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2, trust_env=False) as http:
        waiting = list(SERVICES)
        while waiting:
            if platform.poll() is not None or time.monotonic() > deadline:
                tail = (state / "platform.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"the platform did not start:\n{tail}")
            service = waiting[0]
            with suppress(httpx.HTTPError):
                if (await http.get(f"http://127.0.0.1:{service.http_port}/health/ready")).status_code == 200:
                    waiting.pop(0)
                    continue
            await asyncio.sleep(0.5)


@asynccontextmanager
async def trivial_api(processes: int) -> AsyncIterator[httpx.AsyncClient]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BENCHMARKS / "trivial_api.py"), str(TRIVIAL_PORT), str(processes),
        env={**os.environ, **SETTINGS}, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{TRIVIAL_PORT}", timeout=60, trust_env=False, limits=LIMITS
        ) as api:
            for _ in range(100):
                with suppress(httpx.HTTPError):
                    if (await api.get("/health/live")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            yield api
    finally:
        process.terminate()
        await process.wait()


async def trivial_rate(batch: list[tuple[str, dict[str, Any]]], concurrency: int, processes: int) -> float:
    """Requests/s of the do-nothing POST, the same documents from the same number of clients, served by as many
    processes as the notifications API's."""
    async with trivial_api(processes) as api:
        remaining = iter(batch)

        async def client() -> None:
            for _la, document in remaining:
                (await api.post("/echo", json=document)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        return len(batch) / (time.perf_counter() - started)


async def trust_and_las(state: Path, http: httpx.AsyncClient, receiver: TimedReceiver) -> dict[str, str]:
    """The trust's FHIR headers, once LA 841 subscribes on Kafka and LA 805 by webhook to ``receiver``."""
    identity_db = f"postgresql://postgres@/pathfinder_identity?host={(state / 'postgres').resolve()}"
    wanted = {TRUST: demo_setup.TRUST_SCOPES, KAFKA_LA: demo_setup.LA_SCOPES, WEBHOOK_LA: demo_setup.LA_SCOPES}
    clients = await demo_setup.seed(identity_db, state / "clients", wanted)
    headers = {org: await demo_setup.token(http, client) for org, client in clients.items()}
    await demo_setup.resubscribe(http, headers[KAFKA_LA], channel="kafka", event_types=[RECEIVED])
    await demo_setup.resubscribe(
        http, headers[WEBHOOK_LA], channel="webhook", event_types=[RECEIVED], endpoint=receiver.url,
        secrets=[receiver.secret],
    )  # fmt: skip
    return {"Content-Type": "application/fhir+json", **headers[TRUST]}


async def measure(state: Path, args: argparse.Namespace) -> list[tuple[str, str]]:
    rng = random.Random(11)
    rows: list[tuple[str, str]] = []
    with running_platform(state, api_processes=args.api_processes) as platform:
        await until_ready(platform, state)
        await asyncio.sleep(5)  # start-up's own work settles

        def processes() -> list[int]:
            return platform_processes(platform.pid, state)

        idle = platform_memory(processes())
        raw_url = f"postgresql://postgres@/bench_raw?host={(state / 'postgres').resolve()}"
        await ensure_database(raw_url)
        pg_rate = await raw_postgres_rate(raw_url)
        kafka_rate = await raw_kafka_rate(BOOTSTRAP)
        rows += [
            ("raw PostgreSQL transactions/s (16 connections, 2 inserts), the platform's server", f"{pg_rate:,.0f}"),
            ("raw aiokafka produce-to-consume records/s (300 B), the platform's broker", f"{kafka_rate:,.0f}"),
        ]
        api_processes = args.api_processes
        trivial = {c: await trivial_rate(documents(args.events, rng), c, api_processes) for c in args.concurrency}
        for clients, rate in trivial.items():
            label = f"trivial FastAPI JSON POST requests/s, {clients} clients, {api_processes} API process(es)"
            rows.append((f"{label} (same documents)", f"{rate:,.0f}"))
        secret = new_secret()
        results: list[tuple[str, ModeFigures, float | None]] = []
        cpu_by_burst: list[tuple[int, int, dict[str, float]]] = []
        profiled: list[tuple[str, str]] = []
        with TimedReceiver.running(secret) as receiver:
            async with httpx.AsyncClient(base_url=NOTIFICATIONS, timeout=60, trust_env=False, limits=LIMITS) as api:
                trust = await trust_and_las(state, api, receiver)
                await asyncio.sleep(6)  # the worker makes LA 841's topic on its next check
                async with KafkaArrivals(BOOTSTRAP) as kafka, MemoryWatch(processes) as watch:
                    idle_from = cpu_seconds(processes())
                    await asyncio.sleep(IDLE_SECONDS)
                    idle_rate = cpu_spent(idle_from, cpu_seconds(processes()))
                    for clients in args.concurrency:
                        before, started = cpu_seconds(processes()), time.monotonic()
                        done, elapsed = await burst(api, trust, documents(args.events, rng), clients)
                        webhooks, records = await delivered(done, receiver, kafka)
                        spent = cpu_spent(before, cpu_seconds(processes()))
                        window = time.monotonic() - started
                        # What the platform spends idle (polls, heartbeats, metadata) is not the notifications'.
                        beyond_idle = {part: seconds - idle_rate.get(part, 0.0) * window / IDLE_SECONDS
                                       for part, seconds in spent.items()}  # fmt: skip
                        cpu_by_burst.append((clients, len(done.sent), beyond_idle))
                        results.append((f"burst, {args.events} from {clients} clients", figures(
                            done, elapsed, webhooks, records), trivial[clients]))  # fmt: skip
                    batch = documents(round(args.rate * args.seconds), rng)
                    done, elapsed = await fixed_rate(api, trust, batch, args.rate)
                    webhooks, records = await delivered(done, receiver, kafka)
                    name = f"rate, {args.rate:g}/s for {args.seconds:g} s"
                    results.append((name, figures(done, elapsed, webhooks, records), None))
                loaded = watch.peak
                if args.profile_seconds > 0:  # last, so that the sampling costs none of the figures above
                    profiled = await profiled_burst(api, trust, processes(), args, rng)
        for name, found, trivial_for in results:
            rows += rows_for(name, found, pg_rate)
            if trivial_for is not None:
                share = found.accepted_per_second / trivial_for
                rows.append((f"[{name}] accepted / trivial FastAPI JSON POST rate", f"{share:.3f}"))
    for clients, accepted, spent in cpu_by_burst:
        # Until every delivery of the burst arrived: each notification's whole path, not only its acceptance.
        for part, seconds in sorted(spent.items(), key=lambda item: -item[1]):
            label = f"[burst from {clients} clients] CPU ms per accepted notification, beyond idle: {part}"
            rows.append((label, f"{seconds * 1000 / max(1, accepted):,.1f}"))
    rows += profiled
    for when, seen in (("idle", idle), ("under load, at the most PSS seen", loaded)):
        label = f"platform memory {when}: RSS / PSS MiB ({seen.processes} processes)"
        rows.append((label, f"{seen.rss_mib:,.0f} / {seen.pss_mib:,.0f}"))
    return rows


async def profiled_burst(api: httpx.AsyncClient, trust: dict[str, str], processes: list[int],
                         args: argparse.Namespace, rng: random.Random) -> list[tuple[str, str]]:  # fmt: skip
    """Where each service process spends its time in a burst of its own from the most clients, sampled by
    py-spy for ``--profile-seconds`` from the burst's start (see :mod:`pathfinder.devstack.stack_samples`)."""
    parts: dict[str, list[int]] = {}
    for pid, (part, _) in cpu_seconds(processes).items():
        if part not in ("PostgreSQL", "broker (Tansu)", "platform supervisor") and pid != os.getpid():
            parts.setdefault(part, []).append(pid)
    clients = max(args.concurrency)
    sampling = asyncio.create_task(sample_parts(parts, args.profile_seconds))
    await burst(api, trust, documents(args.events, rng), clients)
    heading = f"profile, burst of {args.events} from {clients} clients, first {args.profile_seconds:g} s"
    return (await sampling).rows(heading)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="notifications in each burst")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 32], help="clients of each burst")
    parser.add_argument("--rate", type=float, default=50.0, help="notifications/s of the fixed rate")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the fixed rate runs")
    parser.add_argument("--api-processes", type=int, default=1, help="processes of the notifications API")
    parser.add_argument("--profile-seconds", type=float, default=20.0,
                        help="py-spy samples each service process for this long in a last burst; 0: none")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        rows = asyncio.run(measure(Path(state), args))
    print_figures(rows)


if __name__ == "__main__":
    main()
