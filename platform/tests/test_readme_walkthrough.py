"""The README's "Try the first flow", run as written: the platform started as ``python3 dev.py up`` starts it, then
every ``sh`` block of that section in order in one bash session (the trust submits, Devon subscribes on each
channel, follows the data link to the notification's status, reads the child from identity, acknowledges and
removes its subscriptions), then the demo, which must leave no subscription behind either, then "An LA officer's
journey through a case" (``pathfinder-officer-journey``), then "A Designated Clinical Officer's day" (the DCO's
account, the ICB's routing, and the DCO signing in to the dashboard to find the journey's request for health advice),
then "An integration engineer recovers an LA consumer that missed a day" (the example consumer reads LA 841's
events and loses them; the engineer rewinds its group with the ``pathfinder`` command; it reads them again).
The README cannot drift from what the platform does."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
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
PORTS = (8001, 8002, 8003, 8004, 8005, 9092, 9101, 9102)
RUNNER = """
import sys
from pathlib import Path
from pathfinder.platform.running import PlatformOptions, run_platform
sys.exit(run_platform(PlatformOptions(state_dir=Path(sys.argv[1]), ready_timeout=90.0)))
"""


EVENTS = (
    "assessment-requested", "assessment-consideration-notified", "assessment-decision-made", "advice-requested",
    "advice-received", "draft-plan-issued", "draft-plan-representations-received", "final-plan-issued",
)  # fmt: skip


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

    # On the same platform (one start for both sections): "An LA officer's journey through a case".
    section = README.read_text().split("## An LA officer's journey through a case", 1)[1].split("\n## ", 1)[0]
    assert "`.venv/bin/pathfinder-officer-journey`" in section, "the README gives the command run here"
    journey = run(".venv/bin/pathfinder-officer-journey --state-dir .state --timeout 30", repository_copy, timeout=120)
    assert journey.returncode == 0, f"{journey.stdout}\n{journey.stderr}\n{''.join(platform[-200:])}"
    assert_officer_journey(journey.stdout)

    # "A Designated Clinical Officer's day": its commands, but the two already run above.
    section = README.read_text().split("## A Designated Clinical Officer's day", 1)[1].split("\n## ", 1)[0]
    for image in re.findall(r"\]\((docs/images/[^)]+)\)", section):
        assert (ROOT / image).is_file() and (ROOT / image).stat().st_size < 300_000, image
    day = run(dco_commands(section), repository_copy, timeout=120)
    assert day.returncode == 0, f"{day.stdout}\n{day.stderr}\n{''.join(platform[-200:])}"
    again = run(".venv/bin/pathfinder-dco-accounts", repository_copy, timeout=60)
    assert again.returncode == 0 and again.stdout in day.stdout, "a second run prints the same accounts"
    accounts = json.loads((repository_copy / ".state" / "dco" / "accounts.json").read_text())
    assert_dco_day(day.stdout, accounts)
    assert_dco_dashboard(health_advice_request(journey.stdout), accounts)

    # "An integration engineer recovers an LA consumer that missed a day": every block, as written.
    section = README.read_text().split("## An integration engineer recovers", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)
    recovery = run("\n".join(blocks), repository_copy, timeout=300)
    assert recovery.returncode == 0, f"{recovery.stdout}\n{recovery.stderr}\n{''.join(platform[-200:])}"
    assert_recovered(recovery.stdout)


def assert_officer_journey(said: str) -> None:
    """One child's case from a trust's notice to a maintained plan on the worklist, as the README shows it."""
    lines = said.splitlines()

    assert "   -> 202 Accepted" in said.split("\n2. ")[0], "the trust's notice is accepted"
    assert any(line.startswith("   GET :8002/children/") for line in lines) and "   -> 200 OK" in lines
    assert "   -> 201 Created" in lines, "the request opens the assessment"
    stages = [line.split(";")[0].removeprefix("   stage: ") for line in lines if line.startswith("   stage: ")]
    assert list(dict.fromkeys(stages)) == ["requested", "assessing", "draft-served", "plan-issued", "maintained"]
    assert "     met-on-time  decision to assess (reg 5(1)) met on" in said, "a limit in words (`says`)"
    owed = [line for line in lines if line.startswith("     due-soon     advice (reg 8(1)) due ")]
    assert any(line.endswith("[health]") for line in owed), "the advice still owed, and whose it is"
    assert any(line.startswith("     met-on-time  final plan (reg 13(2)) met on ") for line in lines)
    assert "   -> 200 OK  Idempotent-Replayed: true" in lines, "a repeated key answers the first reply again"
    assert "   -> 409 Conflict" in lines and "   refused: issue-final-plan while assessing; allowed now: " in said
    assert "   -> 404 Not Found" in lines, "another LA is answered as if there were no case"
    assert "   early warning: on track. The final plan is due by " in said
    assert any(line.startswith("   outstanding: health advice from QHM, due ") for line in lines)
    for event in EVENTS:
        assert f"841's subscription received pathfinder.ehcp.{event}.v1" in said, event
    assert said.count("841's subscription received pathfinder.ehcp.assessment-decision-made.v1") == 1, "applied once"
    assert any(line.startswith("     on-track     review (s44(1)) due ") for line in lines), "the plan's review"
    review = next(line for line in lines if "review (s44(1)) due " in line).split(" due ")[1].split(",")[0]
    worklist = next(line for line in lines if "this child's: plan " in line)
    assert worklist.endswith(f", review due {review}"), "the plan is on the officer's worklist, by its review"
    assert lines[-1].startswith("LA 841's subscription on pathfinder.la.841.events removed.")


DASHBOARD = "http://127.0.0.1:8003/dashboard"
DCO, LEAD = "dco@qhm.example.nhs.uk", "lead@rxp.example.nhs.uk"
OPEN = ("requested", "accepted", "in-progress")


def assert_recovered(said: str) -> None:
    """The case system read the case's events, lost them, and read the same again after its group was rewound;
    the dry run counted what it would read again, and the replay (a rewind) is listed as done."""
    assert "LA 841's case system has the day's events again" in said, said
    read = [line for line in said.splitlines() if line.startswith("pathfinder.")]
    assert "pathfinder.ehcp.final-plan-issued.v1" in read, "the case system had read the case's events"
    assert "dry run" in said and "done" in said, said


def dco_commands(section: str) -> str:
    """The section's ``sh`` blocks, less starting the platform and the officer journey (both run already)."""
    blocks = re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)
    lines = [line for block in blocks for line in block.splitlines()]
    assert any(line.startswith(".venv/bin/pathfinder-dco-accounts") for line in lines), "the README makes the DCO"
    skipped = ("python3 dev.py up", ".venv/bin/pathfinder-officer-journey")
    return "\n".join(line for line in lines if not line.startswith(skipped)) + "\n"


def assert_dco_day(said: str, accounts: dict[str, dict[str, str]]) -> None:
    """The accounts made, with the passwords kept; the ICB's routing as the platform seeded it at start."""
    for username in (DCO, LEAD):
        assert f"  username: {username}\n  password: {accounts[username]['password']}\n" in said
    assert len({accounts[DCO]["password"], accounts[LEAD]["password"]}) == 2, "each its own generated password"
    assert "  QHM  841  priority 100  -> qhm-community-paediatrics" in said, "841's requests go to RXP's team"
    assert "  QHM  805  priority 100  -> qhm-805-community-paediatrics" in said, "805's to North Tees'"
    assert f"  qhm-community-paediatrics  {accounts[LEAD]['account_id']}" in said, "the lead leads the team"


def health_advice_request(said: str) -> str:
    """The start of the id the officer journey gave its request to ICB QHM for health advice."""
    found = re.search(r'"advice_request_id": "([0-9a-f]{8})", "kind": "health", "advisor_organisation": "QHM"', said)
    assert found, "the officer journey asks QHM for health advice"
    return found.group(1)


def signed_in(http: httpx.Client, username: str, password: str) -> None:
    assert http.get(DASHBOARD).headers.get("location", "").startswith("/dashboard/sign-in"), "sign in first"
    answer = http.post(f"{DASHBOARD}/sign-in", data={"username": username, "password": password, "next": "/dashboard"})
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard", answer.text
    assert "pathfinder-dashboard" in http.cookies, "the dashboard's cookie, holding the access token"


def exported(http: httpx.Client, request: str) -> dict[str, str]:
    """The request's row in the CSV export, once health-advice has taken the request in from ehcp."""
    deadline = time.monotonic() + 30
    while True:
        answer = http.get(f"{DASHBOARD}/requests.csv")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv"), answer.text
        assert "attachment" in answer.headers["content-disposition"]
        rows = [row for row in csv.DictReader(io.StringIO(answer.text)) if row["advice_request_id"].startswith(request)]
        if rows or time.monotonic() > deadline:
            assert len(rows) == 1, f"request {request} in the CSV:\n{answer.text}"
            return rows[0]
        time.sleep(0.5)


def assert_dco_dashboard(request: str, accounts: dict[str, dict[str, str]]) -> None:
    """The DCO signs in over HTTP as a browser does (a form post, a cookie), finds the journey's request on the
    open requests page and in the CSV, opens its timeline and accepts it; the team lead sees it too."""
    with httpx.Client(trust_env=False, timeout=15) as http:
        signed_in(http, DCO, accounts[DCO]["password"])
        row = exported(http, request)
        assert (row["icb"], row["requesting_la"], row["team_id"]) == ("QHM", "841", "qhm-community-paediatrics")
        assert row["rag"] in ("red", "amber", "green", ""), row
        page = f"/dashboard/requests/{row['advice_request_id']}"
        if row["status"] in OPEN:
            listed = http.get(DASHBOARD)
            assert listed.status_code == 200 and page in listed.text, "on the DCO's open requests"
        timeline = http.get(f"http://127.0.0.1:8003{page}")
        assert timeline.status_code == 200 and 'data-step="requested"' in timeline.text, "its timeline"
        if row["status"] == "requested":
            accepted = http.post(f"http://127.0.0.1:8003{page}/accept", data={})
            assert accepted.status_code == 303 and accepted.headers["location"].endswith("?done=accepted")
            assert 'data-step="accepted"' in http.get(f"http://127.0.0.1:8003{page}").text
    with httpx.Client(trust_env=False, timeout=15) as http:
        signed_in(http, LEAD, accounts[LEAD]["password"])
        assert exported(http, request)["team_id"] == "qhm-community-paediatrics", "the lead sees the team's request"


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
