"""``pathfinder-platform up --mesh`` with NHS England's MESH sandbox, and ``pathfinder-demo --mesh`` on it, end to end:
the trust's notification, sent by MESH, reaches the LA by MESH and on Kafka; the LA's MESH acknowledgement turns the
trust's status to acknowledged; a message in another trust's name comes back as an OperationOutcome. The platform runs
notifications and identity only (what the demo uses), on the ports the demo calls, and stops with the sandbox."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pathfinder.auth.client_credentials import ClientCredentialsTokens
from pathfinder.devstack.processes import free_port, port_is_free
from pathfinder.platform import cli, mesh

PORTS = (8001, 8004)
RUNNER = """
import sys
from pathlib import Path
from pathfinder.platform.running import PlatformOptions, run_platform
from pathfinder.platform.services import SERVICES

state, broker, mesh = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
services = tuple(service for service in SERVICES if service.name in ("notifications", "identity"))
options = PlatformOptions(
    state_dir=state, broker_port=broker, mesh=True, mesh_port=mesh, services=services, ready_timeout=90.0
)
sys.exit(run_platform(options))
"""
DEMO = "from pathfinder.platform.demo import main; raise SystemExit(main())"
KEPT = ("PATHFINDER_DEVSTACK_TEST_MARKER", "PATHFINDER_MESH_SANDBOX_PYTHON")


class Platform:
    def __init__(self, process: subprocess.Popen[str], state_dir: Path, broker_port: int, mesh_port: int) -> None:
        self.process, self.state_dir, self.broker_port, self.mesh_port = process, state_dir, broker_port, mesh_port
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout

        def pump() -> None:
            for line in stdout:
                self._lines.put(line)

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.output):
            alive = self.process.poll() is None
            assert alive and time.monotonic() < deadline, f"no {text!r} from the platform:\n" + "".join(self.output)
            with contextlib.suppress(queue.Empty):
                self.output.append(self._lines.get(timeout=0.5))

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        time.sleep(0.1)
        while not self._lines.empty():
            self.output.append(self._lines.get())
        return code, "".join(self.output)


def _env(marked_env: dict[str, str]) -> dict[str, str]:
    """The test's environment without Pathfinder's settings, as a developer's terminal has it."""
    return {name: value for name, value in marked_env.items() if not name.startswith("PATHFINDER_") or name in KEPT}


@pytest.fixture
def platform(server_dir: Path, marked_env: dict[str, str]) -> Iterator[Platform]:
    taken = [port for port in PORTS if not port_is_free(port, "127.0.0.1")]
    assert not taken, f"the demo calls the platform's own ports; in use: {taken} (is `dev.py up` running?)"
    state_dir, broker_port, mesh_port = server_dir / ".state", free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(state_dir), str(broker_port), str(mesh_port)],
        cwd=server_dir,
        env=_env(marked_env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Platform(process, state_dir, broker_port, mesh_port)
    try:
        yield running
    finally:
        if process.poll() is None:
            running.stop()
        assert process.stdout is not None
        process.stdout.close()


def run_demo(platform: Platform, marked_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = ["--mesh", "--state-dir", str(platform.state_dir), "--kafka", f"127.0.0.1:{platform.broker_port}"]
    return subprocess.run(
        [sys.executable, "-c", DEMO, *args, "--timeout", "60"],
        env=_env(marked_env),
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_up_with_mesh_runs_the_mesh_demo_and_stops_the_sandbox(
    platform: Platform,
    marked_env: dict[str, str],
    marker: str,
    wait_for_no_strays: Callable[[str, float], list[str]],
) -> None:
    platform.wait_for("Pathfinder is running", timeout=150)
    platform.wait_for("X26LA87801 (LA 878)", timeout=5)  # the summary's last line
    said = "".join(platform.output)
    assert f"  MESH        https://127.0.0.1:{platform.mesh_port} (NHS England's mesh-sandbox" in said
    assert "X26PF0001 (Pathfinder), X26RH80001 (trust RH8), X26LA87801 (LA 878)" in said
    assert "[platform] MESH: registered X26PF0001\tplatform\tpathfinder workflows PATHFINDER_S23_NOTIFICATION" in said
    connection = platform.state_dir / "mesh" / mesh.CONNECTION_FILE
    assert connection.stat().st_mode & 0o777 == 0o600, "it holds the shared key and the partners' passwords"

    demo = run_demo(platform, marked_env)
    shown = demo.stdout
    assert demo.returncode == 0, f"{shown}\n{demo.stderr}\n{''.join(platform.output[-100:])}"
    assert re.search(r"trust RH8 mesh MESH message \w+ to X26PF0001 \(PATHFINDER_S23_NOTIFICATION\)", shown), shown
    by_mesh = re.search(
        r"LA 878 mesh +MESH message (\w+) \(PATHFINDER_LA_EVENT\): early-years-notification-received, local id "
        r"\w+, for notification (\w+) \(person ([\w-]+)\)",
        shown,
    )
    assert by_mesh, shown
    la_message, notification, person = by_mesh.groups()
    assert "pathfinder.la.878.events" in shown and f": received for person {person}" in shown, "on Kafka too"
    assert f"LA 878 mesh    acknowledged MESH message {la_message}" in shown
    assert f"status of {notification}: acknowledged" in shown and f"LA reference mesh:{la_message}" in shown
    assert re.search(r"\(PATHFINDER_S23_NOTIFICATION_ACK\) answers \w+: OperationOutcome forbidden: ", shown), shown

    # What the demo said, from the platform itself: the trust's status, and no subscription left behind.
    status, subscriptions = asyncio.run(trust_status_and_la_subscriptions(platform.state_dir, notification))
    assert status["status"] == "acknowledged" and status["la_reference"] == f"mesh:{la_message}", status
    assert status["delivery_channel"] in ("mesh", "kafka"), status
    assert subscriptions == [], "the demo removed the MESH and Kafka subscriptions it made"

    again = run_demo(platform, marked_env)
    assert again.returncode == 0, f"a second run onboards the same mailboxes again:\n{again.stdout}\n{again.stderr}"
    assert ": acknowledged (via " in again.stdout

    code, output = platform.stop()
    assert code == 0, output
    assert output.rstrip().endswith("stopped")
    assert not connection.exists(), "no connection to a MESH that has stopped"
    assert wait_for_no_strays(marker, 15.0) == [], "the sandbox stopped with the platform"


async def trust_status_and_la_subscriptions(state_dir: Path, notification: str) -> tuple[dict[str, str], object]:
    """The notification as the trust reads it (whose id starts with ``notification``), and the LA's subscriptions."""
    demo = state_dir / "demo"
    clients = json.loads((demo / "clients.json").read_text())
    async with httpx.AsyncClient(trust_env=False, timeout=15) as http:

        async def headers(org: str) -> dict[str, str]:
            token_url = "http://127.0.0.1:8004/oauth2/token"
            tokens = ClientCredentialsTokens.from_key_file(token_url, clients[org], demo / f"{org}.pem", http)
            return {"Authorization": f"Bearer {await tokens.access_token()}"}

        listed = await http.get("http://127.0.0.1:8001/fhir/early-years-notifications", headers=await headers("RH8"))
        assert listed.status_code == 200, listed.text
        status = next(found for found in listed.json()["notifications"] if found["id"].startswith(notification))
        subscriptions = await http.get("http://127.0.0.1:8001/subscriptions", headers=await headers("878"))
        assert subscriptions.status_code == 200, subscriptions.text
        return status, subscriptions.json()


def test_mesh_is_off_unless_asked_for() -> None:
    assert (parse(["up"]).mesh, parse(["up"]).mesh_port) == (False, mesh.DEFAULT_PORT)
    assert (parse(["up", "--mesh"]).mesh, parse(["up", "--mesh", "--mesh-port", "8711"]).mesh_port) == (True, 8711)


def parse(argv: list[str]) -> argparse.Namespace:
    return cli.parser().parse_args(argv)
