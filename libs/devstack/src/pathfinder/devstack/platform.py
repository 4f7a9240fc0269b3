"""Running the whole platform on one machine: broker, PostgreSQL, and every service's API and worker."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.devstack.processes import child_env, die_with_parent, stop_process
from pathfinder.devstack.services import SERVICES, PlatformService
from pathfinder.persistence.database import with_database
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database


class PlatformFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class PlatformOptions:
    state_dir: Path
    kafka: str | None = None
    postgres: str | None = None
    broker_port: int = 9092
    ready_timeout: float = 60.0


@dataclass
class ServiceProcess:
    label: str
    process: subprocess.Popen[bytes]


def run_platform(options: PlatformOptions) -> int:
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with ExitStack() as stack:
        bootstrap, profile = stack.enter_context(_broker(options))
        server_url = stack.enter_context(_postgres(options))
        urls = {service.name: with_database(server_url, service.database_name) for service in SERVICES}
        asyncio.run(_migrate(urls))
        children = stack.enter_context(_services(urls, bootstrap, profile))
        _wait_until_ready(children, options.ready_timeout, stopping)
        if stopping.is_set():
            return 0
        _print_summary(bootstrap, server_url)
        while not stopping.wait(0.5):
            dead = [child for child in children if child.process.poll() is not None]
            if dead:
                names = ", ".join(f"{child.label} (exit {child.process.returncode})" for child in dead)
                print(f"stopping the platform: {names} stopped unexpectedly", flush=True)
                return 1
        print("stopping…", flush=True)
    print("stopped", flush=True)
    return 0


@contextmanager
def _broker(options: PlatformOptions) -> Iterator[tuple[str, str]]:
    if options.kafka:
        yield options.kafka, "apache"
        return
    broker = EmbeddedBroker(options.broker_port, log_file=options.state_dir / "broker.log")
    broker.start()
    try:
        yield broker.bootstrap_servers, "embedded"
    finally:
        broker.stop()


@contextmanager
def _postgres(options: PlatformOptions) -> Iterator[str]:
    if options.postgres:
        yield options.postgres
        return
    options.state_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedPostgres(options.state_dir / "postgres")
    server.start()
    try:
        yield server.url("postgres")
    finally:
        server.stop()


async def _migrate(urls: dict[str, str]) -> None:
    for service in SERVICES:
        url = urls[service.name]
        if await ensure_database(url):
            print(f"created database {service.database_name}", flush=True)
        await upgrade_to_head(service.migrations, url)


@contextmanager
def _services(urls: dict[str, str], bootstrap: str, profile: str) -> Iterator[list[ServiceProcess]]:
    children: list[ServiceProcess] = []
    try:
        for service in SERVICES:
            env = child_env(_service_env(service, urls[service.name], bootstrap, profile))
            for role in ("api", "worker"):
                children.append(_spawn(f"{service.name}-{role}", f"{service.package}.entrypoints.{role}", env))
        yield children
    finally:
        for child in children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        for child in children:
            stop_process(child.process, timeout=15.0)


def _service_env(service: PlatformService, database_url: str, bootstrap: str, profile: str) -> dict[str, str]:
    return {
        "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "PATHFINDER_KAFKA_PROFILE": profile,
        f"{service.env_prefix}DATABASE_URL": database_url,
        f"{service.env_prefix}HTTP_HOST": "127.0.0.1",
        f"{service.env_prefix}HTTP_PORT": str(service.http_port),
        "PATHFINDER_TELEMETRY_LOG_FORMAT": "text",
    }


def _spawn(label: str, module: str, env: dict[str, str]) -> ServiceProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent(),
    )
    threading.Thread(target=_prefix_output, args=(label, process), daemon=True).start()
    return ServiceProcess(label, process)


def _prefix_output(label: str, process: subprocess.Popen[bytes]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(f"[{label}] {line.decode(errors='replace')}")
        sys.stdout.flush()


def _wait_until_ready(children: list[ServiceProcess], timeout: float, stopping: threading.Event) -> None:
    deadline = time.monotonic() + timeout
    waiting = {service.name: service.http_port for service in SERVICES}
    while waiting and not stopping.is_set():
        for name, port in list(waiting.items()):
            if _ready(port):
                del waiting[name]
        dead = [child.label for child in children if child.process.poll() is not None]
        if dead:
            raise PlatformFailed(f"{', '.join(dead)} stopped while starting (see its output above)")
        if time.monotonic() > deadline:
            raise PlatformFailed(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
        time.sleep(0.3)


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _print_summary(bootstrap: str, server_url: str) -> None:
    rows = [(s.name, f"http://127.0.0.1:{s.http_port}", f"http://127.0.0.1:{s.http_port}/docs") for s in SERVICES]
    print("\nPathfinder is running (Ctrl-C stops everything)\n", flush=True)
    print(f"  {'service':<15} {'URL':<24} OpenAPI docs")
    for name, url, docs in rows:
        print(f"  {name:<15} {url:<24} {docs}")
    print(f"\n  broker      {bootstrap}\n  PostgreSQL  {server_url}\n", flush=True)
