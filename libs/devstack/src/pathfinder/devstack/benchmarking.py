"""What the benchmark scripts share: embedded servers, the raw limits measured on them in the same run, the
services under test as separate processes, calls timed one by one from concurrent callers, and the printed table of
figures."""

from __future__ import annotations

import asyncio
import json
import math
import os
import statistics
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from uuid import NAMESPACE_URL, uuid4, uuid5

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.provisioning import ensure_database

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass(frozen=True)
class BenchmarkServers:
    broker: EmbeddedBroker
    postgres: EmbeddedPostgres
    raw_postgres_rate: float  # transactions/s, 16 connections, two 300-byte inserts each
    raw_kafka_rate: float  # produce-to-consume records/s, 300-byte records

    def environment(self, **settings: str) -> dict[str, str]:
        """The environment of a service process on these servers, plus ``settings``."""
        return {
            **os.environ,
            "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers,
            "PATHFINDER_KAFKA_PROFILE": "embedded",
            "PATHFINDER_TELEMETRY_EXPORTER": "none",
            "PATHFINDER_TELEMETRY_LOG_LEVEL": "WARNING",
            **settings,
        }


@asynccontextmanager
async def benchmark_servers(state: Path, *, broker_port: int | None = None) -> AsyncIterator[BenchmarkServers]:
    """The embedded broker and PostgreSQL in ``state``, with their raw limits measured before anything else."""
    broker = EmbeddedBroker(port=broker_port, log_dir=state)
    broker.start()
    postgres = EmbeddedPostgres(state / "postgres")
    try:
        postgres.start()
        raw_url = postgres.url("bench_raw")
        await ensure_database(raw_url)
        pg_rate = await raw_postgres_rate(raw_url)
        kafka_rate = await raw_kafka_rate(broker.bootstrap_servers)
        yield BenchmarkServers(broker, postgres, pg_rate, kafka_rate)
    finally:
        postgres.stop()
        broker.stop()


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


@asynccontextmanager
async def service_processes(modules: Sequence[str], env: Mapping[str, str]) -> AsyncIterator[None]:
    """``python -m <module>`` for each module, output discarded; terminated and reaped on exit."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, env=dict(env),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        for module in modules
    ]  # fmt: skip
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        await asyncio.gather(*(process.wait() for process in processes))


async def wait_until_ready(api: httpx.AsyncClient, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (await api.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{api.base_url} was not ready after {timeout:.0f} s")


FIGURES_FILE_VARIABLE = "PATHFINDER_BENCHMARK_FIGURES"


def print_figures(rows: Sequence[tuple[str, str]]) -> None:
    """The table of a benchmark's figures on stdout; when ``PATHFINDER_BENCHMARK_FIGURES`` names a file, the same
    rows there too, as JSON (``[{"measure": ..., "figure": ...}]``), for ``benchmarks/run_all.py``."""
    width = max(len(label) for label, _ in rows) + 2
    print(f"{'measure':<{width}} {'figure':>14}")
    for label, figure in rows:
        print(f"{label:<{width}} {figure:>14}")
    if target := os.environ.get(FIGURES_FILE_VARIABLE):
        Path(target).write_text(json.dumps([{"measure": label, "figure": figure} for label, figure in rows]))


def _stub_answer(record: dict[str, Any]) -> dict[str, Any]:
    person = uuid5(NAMESPACE_URL, record["request_id"]) if record.get("request_id") else uuid4()
    match = {"outcome": "match", "person_id": str(person), "responsible_la": record["responsible_la"]}
    return {"request_id": record.get("request_id"), "status": 200, "match": match}


class StubIdentity(ThreadingHTTPServer):
    """Identity's token endpoint, ``/persons/$match`` answering a new person at once, and ``$match-batch``
    answering each record a person of its own request id (the same on a retry, as identity answers)."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            # Keep-alive and no Nagle, as identity's uvicorn: HTTP/1.0 would make the API open a connection per
            # match, and Nagle would hold the body back for the client's delayed ACK (40 ms).
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                given = self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.path.startswith("/oauth2/token"):
                    answer: dict[str, Any] = {"access_token": "stub", "token_type": "Bearer", "expires_in": 600}
                elif self.path.startswith("/persons/$match-batch"):
                    answer = {"answers": [_stub_answer(record) for record in json.loads(given)["records"]]}
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

    def environment(self, key_file: Path) -> dict[str, str]:
        """What points a notifications process at this identity, with a client key written to ``key_file``."""
        from pathfinder.auth.keys import SigningKey

        key_file.write_bytes(SigningKey.generate(bits=2048).private_pem())
        return {
            "PATHFINDER_NOTIFICATIONS_IDENTITY_URL": self.url,
            "PATHFINDER_NOTIFICATIONS_IDENTITY_CLIENT_ID": "benchmark",
            "PATHFINDER_NOTIFICATIONS_IDENTITY_CLIENT_KEY_FILE": str(key_file),
        }


# -- latency: each call timed, from concurrent callers -------------------------------------------------------------


def percentile_ms(latencies: Sequence[float], percent: int) -> float:
    """The ``percent``th percentile of ``latencies`` (seconds) in milliseconds; NaN for fewer than two. Inclusive,
    as the latencies are every call the run made: the exclusive default reaches past the slowest call when there
    are fewer than a hundred."""
    if len(latencies) < 2:
        return math.nan
    return statistics.quantiles(latencies, n=100, method="inclusive")[percent - 1] * 1000


def p50_p99_ms(latencies: Sequence[float]) -> tuple[float, float]:
    return percentile_ms(latencies, 50), percentile_ms(latencies, 99)


@dataclass(frozen=True)
class Timings:
    """Each call's latency (seconds), and how long they all took together."""

    latencies: list[float]
    seconds: float

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile_ms(self, percent: int) -> float:
        return percentile_ms(self.latencies, percent)


class TimedCalls:
    """The calls of one run, shared by its callers: each caller claims one, then makes it timed."""

    def __init__(self, calls: int) -> None:
        self.latencies: list[float] = []
        self._calls = calls
        self._claimed = 0

    def claim(self) -> int | None:
        """The index of the next call, or None once every call is claimed."""
        if self._claimed >= self._calls:
            return None
        self._claimed += 1
        return self._claimed - 1

    async def timed(self, call: Callable[_P, Awaitable[_T]], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        started = time.perf_counter()
        answer = await call(*args, **kwargs)
        self.latencies.append(time.perf_counter() - started)
        return answer


async def timed_callers(calls: int, callers: int, caller: Callable[[TimedCalls], Awaitable[None]]) -> Timings:
    """``callers`` concurrent runs of ``caller``, sharing ``calls`` timed calls."""
    shared = TimedCalls(calls)
    started = time.perf_counter()
    await asyncio.gather(*(caller(shared) for _ in range(callers)))
    return Timings(shared.latencies, time.perf_counter() - started)


async def timed_calls(call: Callable[[int], Awaitable[object]], calls: int, callers: int) -> Timings:
    """``calls`` calls of ``call`` (given its index) shared by ``callers`` concurrent callers, each taking the next
    as soon as it is done."""

    async def caller(shared: TimedCalls) -> None:
        while (index := shared.claim()) is not None:
            await shared.timed(call, index)

    return await timed_callers(calls, callers, caller)
