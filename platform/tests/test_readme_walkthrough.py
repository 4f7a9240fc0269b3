"""The README's "Try the first flow", run as written: the platform started as ``python3 dev.py up`` starts it, then
every ``sh`` block of that section in order in one bash session (the trust submits, Devon subscribes on each
channel, follows the data link to the notification's status, reads the child from identity, acknowledges and
removes its subscriptions), then the demo, which must leave no subscription behind either. The README cannot
drift from what the platform does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pathfinder.auth.client_credentials import ClientCredentialsTokens
from pathfinder.devstack.processes import port_is_free

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PORTS = (8001, 8002, 8003, 8004, 9092, 9101, 9102)
RUNNER = """
import sys
from pathlib import Path
from pathfinder.platform.running import PlatformOptions, run_platform
sys.exit(run_platform(PlatformOptions(state_dir=Path(sys.argv[1]), ready_timeout=90.0)))
"""


def walkthrough_blocks() -> list[str]:
    section = README.read_text().split("## Try the first flow", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)


@pytest.fixture
def repository_copy(server_dir: Path) -> Path:
    """A working directory shaped like the repository's root: its .venv and docs, and a fresh .state."""
    (server_dir / ".venv").symlink_to(ROOT / ".venv")
    (server_dir / "docs").symlink_to(ROOT / "docs")
    (server_dir / ".state").mkdir()
    return server_dir


@pytest.fixture
def platform(repository_copy: Path, marked_env: dict[str, str]) -> Iterator[list[str]]:
    taken = [port for port in PORTS if not port_is_free(port, "127.0.0.1")]
    assert not taken, f"the walkthrough uses the platform's own ports; in use: {taken} (is `dev.py up` running?)"
    env = {name: value for name, value in marked_env.items() if not name.startswith("PATHFINDER_")}
    env["PATHFINDER_DEVSTACK_TEST_MARKER"] = marked_env["PATHFINDER_DEVSTACK_TEST_MARKER"]
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(repository_copy / ".state")],
        cwd=repository_copy,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 150
    while not any("Pathfinder is running" in line for line in output):
        assert process.poll() is None and time.monotonic() < deadline, "the platform did not start:\n" + "".join(output)
        with contextlib.suppress(queue.Empty):
            output.append(lines.get(timeout=0.5))
    try:
        yield output
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stdout.close()


def run(script: str, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """``script`` in bash, as a reader's terminal runs it; whatever it left running is stopped afterwards."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PATHFINDER_")}
    process = subprocess.Popen(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env={**env, "NO_PROXY": "*"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return subprocess.CompletedProcess(process.args, -1, stdout, f"timed out after {timeout} s\n{stderr}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_the_readme_walkthrough_runs_as_written(platform: list[str], repository_copy: Path) -> None:
    blocks = walkthrough_blocks()
    assert len(blocks) >= 5, "the walkthrough's blocks are found"
    script = "\n".join(blocks) + '\necho "walkthrough LA client: $LA"\n'
    done = run(script, repository_copy, timeout=180)
    said = done.stdout
    assert done.returncode == 0, f"{said}\n{done.stderr}\n{''.join(platform)}"

    assert "HTTP/1.1 202" in said, "the trust's notification is accepted"
    assert '"kafka_topic":"pathfinder.la.878.events"' in said and '"every_event_type":true' in said
    assert "pathfinder.notifications.early-years-notification-received.v2" in said, "GET /event-types lists it"
    walkthrough = repository_copy / ".state" / "walkthrough"
    kafka_lines = (walkthrough / "kafka.log").read_text().splitlines()
    kafka_line = next(line for line in kafka_lines if "early-years-notification-received" in line)
    assert "details at http://127.0.0.1:8001/fhir/early-years-notifications/" in kafka_line, "a link that works"
    webhook = json.loads((walkthrough / "webhook.log").read_text().splitlines()[0])
    assert webhook["signed"] and webhook["body"]["lacode"] == "878"
    rest_hook = json.loads((walkthrough / "rest-hook.log").read_text().splitlines()[0])
    assert rest_hook["body"]["resourceType"] == "Bundle"
    link = next(line for line in kafka_line.split() if line.startswith("http://"))
    status = data_link_answer(said)
    assert status["id"] == link.rsplit("/", 1)[1] and status["responsible_la"] == "878", "Devon's notification"
    assert {"acknowledgement_due_at", "days_from_opinion_to_notification"} <= set(status), "the status view"
    assert '"responsible_la":"878"' in said, "the child's details from identity, as Devon may see them"
    assert '"la_reference":"DEVON-EY-0001"' in said, "acknowledged"
    lines = said.rstrip().splitlines()
    assert "acknowledged" in lines, "what the trust sees"
    assert lines[-2] == "[]", "Devon removed its subscriptions"
    assert not list(repository_copy.glob("*.pem")) and not list(repository_copy.glob("*.jwks.json"))

    la_client = lines[-1].rsplit(" ", 1)[1]
    assert asyncio.run(subscriptions_of(la_client, walkthrough / "878.pem")) == [], "none left on a dead port"
    demo = run(".venv/bin/pathfinder-demo --state-dir .state --timeout 60", repository_copy, timeout=150)
    assert demo.returncode == 0, f"{demo.stdout}\n{demo.stderr}"
    assert asyncio.run(subscriptions_of(la_client, walkthrough / "878.pem")) == [], "the demo removed its own"


def data_link_answer(said: str) -> dict[str, object]:
    """What Devon's own request on the event's data link answered: 200, and the notification's status."""
    lines = said.splitlines()
    answered = [number for number, line in enumerate(lines) if line.startswith("the data link answered ")]
    assert len(answered) == 1, "the README shows the status code of Devon's request on the data link"
    assert lines[answered[0]] == "the data link answered 200", lines[answered[0] - 1]
    found: dict[str, object] = json.loads(lines[answered[0] - 1])
    return found


async def subscriptions_of(client_id: str, key_file: Path) -> list[object]:
    async with httpx.AsyncClient(trust_env=False) as http:
        tokens = ClientCredentialsTokens.from_key_file("http://127.0.0.1:8004/oauth2/token", client_id, key_file, http)
        headers = {"Authorization": f"Bearer {await tokens.access_token()}"}
        listed = await http.get("http://127.0.0.1:8001/subscriptions", headers=headers)
        assert listed.status_code == 200, listed.text
        found: list[object] = listed.json()
        return found
