"""Running the whole platform on one machine: broker, PostgreSQL, and every service's API and worker.

Order: the broker (embedded Tansu, or an external Kafka), PostgreSQL (embedded, data kept in
``<state_dir>/postgres``, or an external server), each service's database, migrations and start-up command (the
configuration it starts with: health-advice's routing), then each service's ``api`` and ``worker`` processes;
it waits for every API's ``/health/ready``, prints where everything is, and runs until SIGINT/SIGTERM or until a
child exits. Whatever was started is stopped in reverse order on every path. With ``mesh``, NHS England's MESH
sandbox runs too, after PostgreSQL, and notifications uses it (``pathfinder.platform.mesh``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.postgres import EmbeddedPostgres
from pathfinder.devstack.processes import child_env, port_is_free
from pathfinder.devstack.supervisor import ChildProcesses
from pathfinder.persistence.database import with_database, with_login
from pathfinder.persistence.migrations import prepare_database
from pathfinder.persistence.provisioning import ensure_database
from pathfinder.platform import mesh as local_mesh
from pathfinder.platform.dev_secrets import dev_secrets
from pathfinder.platform.platform_client import PlatformClientFailed, ensure_platform_client
from pathfinder.platform.readiness_probe import probe
from pathfinder.platform.services import HOST, SERVICES, PlatformService, start_up
from pathfinder.platform.summary import print_summary, without_password

PUBLIC_URL_SETTINGS = {
    "PATHFINDER_LA_DELIVERY_NOTIFICATIONS_PUBLIC_URL": "notifications",
    "PATHFINDER_LA_DELIVERY_IDENTITY_PUBLIC_URL": "identity",
    "PATHFINDER_LA_DELIVERY_EHCP_PUBLIC_URL": "ehcp",
}


class PlatformFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class PlatformOptions:
    state_dir: Path
    kafka: str | None = None  # bootstrap servers of an external Kafka (profile "apache")
    postgres: str | None = None  # URL of any database on an external PostgreSQL server
    broker_port: int = 9092
    mesh: bool = False  # NHS England's MESH sandbox as the platform's MESH
    mesh_port: int = local_mesh.DEFAULT_PORT
    services: tuple[PlatformService, ...] = SERVICES
    ready_timeout: float = 60.0
    stop_timeout: float = 10.0


def run_platform(options: PlatformOptions) -> int:
    """Run until SIGINT/SIGTERM (0) or a child's unexpected exit (1); raises PlatformFailed if it cannot start."""
    stopping = threading.Event()
    restore = _on_stop_signals(stopping.set)
    try:
        return _run(options, stopping)
    finally:
        restore()
        print("stopped", flush=True)


def _run(options: PlatformOptions, stopping: threading.Event) -> int:
    children = ChildProcesses()
    say: Callable[[str], None] = lambda text: children.write("platform", text + "\n")  # noqa: E731
    _check_ports_free(options.services)
    with ExitStack() as stack:
        bootstrap, profile, broker_where = stack.enter_context(_broker(options))
        server_url, postgres_where = stack.enter_context(_postgres(options))
        mesh = stack.enter_context(local_mesh.running(options.state_dir, options.mesh_port)) if options.mesh else None
        if stopping.is_set():
            return 0
        owner_urls = {service.name: with_database(server_url, service.database_name) for service in options.services}
        urls = _runtime_urls(options, owner_urls)
        keys = {service.name: dev_secrets(options.state_dir, service.dev_secrets) for service in options.services}
        asyncio.run(_migrate(options, owner_urls, urls, keys, say))
        if stopping.is_set():
            return 0
        extra = _notifications_env(options, urls, keys, say)
        if mesh is not None and "notifications" in urls:
            settings = mesh.connect_notifications(urls["notifications"], keys["notifications"], say)
            extra["notifications"] = extra.get("notifications", {}) | settings
        stack.callback(children.stop_all, timeout=options.stop_timeout)  # first to stop: before the servers
        for service in options.services:
            env = child_env(
                {
                    **_service_env(service, urls[service.name], bootstrap, profile),
                    **keys[service.name],
                    **extra.get(service.name, {}),
                }
            )
            for role in ("api", "worker"):
                argv = [sys.executable, "-m", f"{service.package}.{role}"]
                children.spawn(f"{service.name}-{role}", argv, env=env)
        _wait_until_ready(options, children, stopping)
        if stopping.is_set():
            return 0
        print_summary(options.services, urls, broker_where, postgres_where, mesh.summary() if mesh else [])
        while not stopping.wait(0.5):
            exited = children.exited()
            if exited:
                names = ", ".join(f"{child.label} (exit status {status})" for child, status in exited)
                say(f"{names} exited unexpectedly: stopping the platform")
                return 1
        say("stopping…")
        return 0


def _on_stop_signals(handler: Callable[[], None]) -> Callable[[], None]:
    """Make SIGINT and SIGTERM call ``handler``; returns a function restoring the previous handlers."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        handler()

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


def _check_ports_free(services: tuple[PlatformService, ...]) -> None:
    taken = [f"{s.http_port} ({s.name})" for s in services if not port_is_free(s.http_port, HOST)]
    if taken:
        raise PlatformFailed(f"ports in use: {', '.join(taken)}; is the platform already running?")


@contextmanager
def _broker(options: PlatformOptions) -> Iterator[tuple[str, str, str]]:
    if options.kafka:
        yield options.kafka, "apache", f"{options.kafka} (external Kafka)"
        return
    broker = EmbeddedBroker(options.broker_port, log_dir=options.state_dir)
    broker.start()
    try:
        yield (
            broker.bootstrap_servers,
            "embedded",
            f"{broker.bootstrap_servers} (embedded Tansu, log {broker.log_file})",
        )
    finally:
        broker.stop()


@contextmanager
def _postgres(options: PlatformOptions) -> Iterator[tuple[str, str]]:
    if options.postgres:
        yield options.postgres, f"{without_password(options.postgres)} (external)"
        return
    options.state_dir.mkdir(parents=True, exist_ok=True)
    server = EmbeddedPostgres(options.state_dir / "postgres")
    server.start()
    try:
        yield server.url("postgres"), f"{server.url('postgres')} (embedded, data {server.data_dir})"
    finally:
        server.stop()


def _runtime_urls(options: PlatformOptions, owner_urls: dict[str, str]) -> dict[str, str]:
    """Each service's database as its runtime role, with a password kept among the development secrets."""
    urls = {}
    for service in options.services:
        secret = service.runtime_password_secret
        password = dev_secrets(options.state_dir, [secret])[secret]
        urls[service.name] = with_login(owner_urls[service.name], service.runtime_role, password)
    return urls


async def _migrate(
    options: PlatformOptions,
    owner_urls: dict[str, str],
    urls: dict[str, str],
    keys: dict[str, dict[str, str]],
    say: Callable[[str], None],
) -> None:
    """As the server's administrator: create each database, migrate it, and grant the service's runtime role."""
    for service in options.services:
        owner_url = owner_urls[service.name]
        try:
            created = await ensure_database(owner_url)
            # A migration may seal existing data with the service's key, so it sees the keys the service runs with.
            with _environment(keys[service.name]):
                await prepare_database(service.schema, owner_url=owner_url, runtime_url=urls[service.name])
            started = await start_up(service, urls[service.name], child_env(keys[service.name]))
        except Exception as error:
            raise PlatformFailed(
                f"preparing {service.database_name} failed: {type(error).__name__}: {error}"
            ) from error
        say(
            f"database {service.database_name}: {'created and ' if created else ''}migrated to head; "
            f"the service runs as {service.runtime_role}"
        )
        if started:
            say(f"{service.name}: {started}")


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _service_env(service: PlatformService, database_url: str, bootstrap: str, profile: str) -> dict[str, str]:
    return {
        "PATHFINDER_TELEMETRY_LOG_FORMAT": os.environ.get("PATHFINDER_TELEMETRY_LOG_FORMAT", "text"),
        "PYTHONUNBUFFERED": "1",
        "PATHFINDER_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "PATHFINDER_KAFKA_PROFILE": profile,
        f"{service.env_prefix}DATABASE_URL": database_url,
        f"{service.env_prefix}HTTP_HOST": HOST,
        f"{service.env_prefix}HTTP_PORT": str(service.http_port),
    }


def _notifications_env(
    options: PlatformOptions, urls: dict[str, str], keys: dict[str, dict[str, str]], say: Callable[[str], None]
) -> dict[str, dict[str, str]]:
    """Notifications' settings for this machine: identity's person index through the platform's own client,
    and webhooks to LA systems on loopback over plain http (development only)."""
    by_name = {service.name: service for service in options.services}
    if "notifications" not in by_name or "identity" not in by_name:
        return {}
    prefix = by_name["notifications"].env_prefix
    delivery = {
        "PATHFINDER_LA_DELIVERY_ALLOW_LOOPBACK_HTTP": os.environ.get(
            "PATHFINDER_LA_DELIVERY_ALLOW_LOOPBACK_HTTP", "true"
        ),
        # Every delivery's data link goes straight to the service that holds the details, on this machine.
        **{
            setting: os.environ.get(setting, f"http://{HOST}:{by_name[name].http_port}")
            for setting, name in PUBLIC_URL_SETTINGS.items()
            if name in by_name
        },
    }
    if os.environ.get(f"{prefix}IDENTITY_CLIENT_ID"):
        return {"notifications": delivery}  # configured by whoever runs the platform
    identity = by_name["identity"]
    env = child_env(
        {
            f"{identity.env_prefix}DATABASE_URL": urls["identity"],
            **keys["identity"],
        }
    )
    try:
        client_id, key = ensure_platform_client(options.state_dir, env)
    except PlatformClientFailed as error:
        raise PlatformFailed(f"registering the platform's identity client failed: {error}") from error
    say(f"identity client for notifications: {client_id}")
    return {
        "notifications": {
            f"{prefix}IDENTITY_URL": f"http://{HOST}:{identity.http_port}",
            f"{prefix}IDENTITY_CLIENT_ID": client_id,
            f"{prefix}IDENTITY_CLIENT_KEY_FILE": str(key.resolve()),
            **delivery,
        }
    }


def _wait_until_ready(options: PlatformOptions, children: ChildProcesses, stopping: threading.Event) -> None:
    deadline = time.monotonic() + options.ready_timeout
    waiting = {service.name: f"http://{HOST}:{service.http_port}/health/ready" for service in options.services}
    last: dict[str, str] = {}
    while waiting and not stopping.is_set():
        for name, url in list(waiting.items()):
            problem = probe(url)
            if problem is None:
                del waiting[name]
            else:
                last[name] = problem
        exited = children.exited()
        if exited:
            names = ", ".join(f"{child.label} (exit status {status})" for child, status in exited)
            raise PlatformFailed(f"{names} exited while starting (its output is above)")
        if waiting and time.monotonic() > deadline:
            why = "; ".join(f"{name}: {waiting[name]} -> {last.get(name, 'no answer')}" for name in waiting)
            raise PlatformFailed(f"not ready after {options.ready_timeout:.0f} s: {why}")
        stopping.wait(0.25)
