"""NHS England's MESH sandbox for real, driven by NHS England's mesh-client: send, receive, acknowledge, track,
chunks, authentication, a message left uncollected, and faults injected in front of it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from mesh_client import MeshClient
from pathfinder.devstack.mesh_faults import MeshFaults, Seen
from pathfinder.devstack.mesh_sandbox import SANDBOX_PYTHON_ENV, MeshMailbox, MeshSandbox, MeshSandboxUnavailable
from pathfinder.devstack.processes import port_accepts
from pathfinder.devstack.stray_processes import StrayFinder
from urllib3.exceptions import ResponseError

NewMailbox = Callable[[str], MeshMailbox]
WaitForNoStrays = Callable[[str, float], list[str]]
WORKFLOW = "PATHFINDER_TEST"
# Starts a sandbox, says its pid and waits: killed with SIGKILL, it cannot stop the sandbox itself.
PARENT = """
import sys
from pathlib import Path
from pathfinder.devstack.mesh_sandbox import MeshSandbox
sandbox = MeshSandbox(Path(sys.argv[1]), tls=False)
sandbox.start()
print(sandbox.pid, flush=True)
sys.stdin.read()
"""


def client(
    sandbox: MeshSandbox, mailbox: MeshMailbox, *, url: str | None = None, key: bytes | None = None
) -> MeshClient:
    return MeshClient(
        url or sandbox.url,
        mailbox.mailbox_id,
        mailbox.password,
        shared_key=key or sandbox.shared_key,
        verify=str(sandbox.ca_file) if sandbox.ca_file else None,
        retry_backoff_factor=0.01,
    )


def refused_with(error: requests.HTTPError) -> int:
    assert error.response is not None
    return error.response.status_code


def test_a_message_is_sent_collected_acknowledged_and_tracked(
    mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox
) -> None:
    trust, la = mesh_mailbox("trust"), mesh_mailbox("la")
    assert mesh_sandbox.url.startswith("https://127.0.0.1:")
    with client(mesh_sandbox, trust) as sender, client(mesh_sandbox, la) as recipient:
        sender.handshake()
        bundle = b'{"resourceType": "Bundle"}'
        message_id = sender.send_message(la.mailbox_id, bundle, workflow_id=WORKFLOW, subject="s23")
        assert sender.track_message(message_id)["status"] == "accepted"

        assert recipient.list_messages() == [message_id]
        message = recipient.retrieve_message(message_id)
        assert message.read() == bundle
        assert (message.sender, message.workflow_id, message.subject) == (trust.mailbox_id, WORKFLOW, "s23")
        message.close()
        assert sender.track_message(message_id)["status"] == "accepted"  # downloaded is not acknowledged

        recipient.acknowledge_message(message_id)
        tracked = sender.track_message(message_id)
        assert (tracked["status"], tracked["recipient"]) == ("acknowledged", la.mailbox_id)
        assert recipient.list_messages() == []
    assert mesh_sandbox.message_details(message_id)["download_timestamp"]


def test_a_message_bigger_than_a_chunk_arrives_whole(mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox) -> None:
    trust, la = mesh_mailbox("trust"), mesh_mailbox("la")
    data = secrets.token_bytes(10_000)
    with client(mesh_sandbox, trust) as sender, client(mesh_sandbox, la) as recipient:
        message_id = sender.send_message(la.mailbox_id, data, max_chunk_size=4096, workflow_id=WORKFLOW)
        assert mesh_sandbox.message_details(message_id)["chunk_count"] == 3
        message = recipient.retrieve_message(message_id)
        assert message.mex_header("chunk-range") == "1:3"
        assert message.read() == data
        message.close()


def test_a_wrong_password_or_shared_key_is_refused(mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox) -> None:
    trust = mesh_mailbox("trust")
    with client(mesh_sandbox, trust) as right:
        right.handshake()
    wrong_password = MeshMailbox(trust.mailbox_id, trust.password + "x")
    with client(mesh_sandbox, wrong_password) as wrong, pytest.raises(requests.HTTPError) as refused:
        wrong.handshake()
    assert refused_with(refused.value) == 403
    with client(mesh_sandbox, trust, key=b"not the key") as wrong_key, pytest.raises(requests.HTTPError) as refused:
        wrong_key.list_messages()
    assert refused_with(refused.value) == 403


def test_an_uncollected_message_can_be_reported_undelivered(
    mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox
) -> None:
    trust, la = mesh_mailbox("trust"), mesh_mailbox("la")
    with client(mesh_sandbox, trust) as sender, client(mesh_sandbox, la) as recipient:
        message_id = sender.send_message(la.mailbox_id, b"never collected", workflow_id=WORKFLOW)
        report_id = mesh_sandbox.report_undelivered(message_id)

        tracked = sender.track_message(message_id)
        assert (tracked["status"], tracked["status_success"]) == ("error", False)
        assert recipient.list_messages() == []
        assert sender.list_messages() == [report_id]
        report = sender.retrieve_message(report_id)
        assert report.message_type == "REPORT"
        assert (report.mex_header("linkedmsgid"), report.mex_header("statuscode")) == (message_id, "14")
        report.close()


def test_an_inbox_listing_is_retried_after_429_and_503(
    mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox, mesh_faults: MeshFaults
) -> None:
    trust, la = mesh_mailbox("trust"), mesh_mailbox("la")
    with client(mesh_sandbox, trust) as sender:
        message_id = sender.send_message(la.mailbox_id, b"hello", workflow_id=WORKFLOW)
    too_many = mesh_faults.inject("GET", r"/messageexchange/[^/]+/inbox", 429, retry_after=1)
    unavailable = mesh_faults.inject("GET", r"/messageexchange/[^/]+/inbox", 503)
    started = time.monotonic()
    with client(mesh_sandbox, la, url=mesh_faults.url) as recipient:
        assert recipient.list_messages() == [message_id]
    assert time.monotonic() - started >= 1.0  # mesh-client waited as Retry-After said
    assert (too_many.served, unavailable.served) == (1, 1)
    inbox = f"/messageexchange/{la.mailbox_id}/inbox"
    assert mesh_faults.seen == [
        Seen("GET", inbox, 429, injected=True),
        Seen("GET", inbox, 503, injected=True),
        Seen("GET", inbox, 200, injected=False),
    ]


@pytest.mark.parametrize("status", [429, 503])
def test_the_first_post_to_the_outbox_is_not_retried_so_the_fault_reaches_the_caller(
    mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox, mesh_faults: MeshFaults, status: int
) -> None:
    trust, la = mesh_mailbox("trust"), mesh_mailbox("la")
    mesh_faults.inject("POST", r"/messageexchange/[^/]+/outbox", status)
    with client(mesh_sandbox, trust, url=mesh_faults.url) as sender:
        with pytest.raises(ResponseError, match=f"too many {status} error responses"):
            sender.send_message(la.mailbox_id, b"hello", workflow_id=WORKFLOW)
        assert [seen.status for seen in mesh_faults.seen] == [status]
        message_id = sender.send_message(la.mailbox_id, b"hello", workflow_id=WORKFLOW)  # the caller's own retry
    with client(mesh_sandbox, la) as recipient:
        assert recipient.list_messages() == [message_id]


def test_a_later_chunk_is_retried_after_a_503(
    mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox, mesh_faults: MeshFaults
) -> None:
    trust, la = mesh_mailbox("trust"), mesh_mailbox("la")
    data = secrets.token_bytes(6_000)
    fault = mesh_faults.inject("POST", r"/messageexchange/[^/]+/outbox/[^/]+/2", 503)
    with client(mesh_sandbox, trust, url=mesh_faults.url) as sender:
        message_id = sender.send_message(la.mailbox_id, data, max_chunk_size=4096, workflow_id=WORKFLOW)
    assert fault.served == 1
    assert [seen.status for seen in mesh_faults.seen] == [202, 503, 202]
    with client(mesh_sandbox, la) as recipient:
        message = recipient.retrieve_message(message_id)
        assert message.read() == data
        message.close()


def test_over_plain_http_it_works_and_stops_leaving_nothing(tmp_path: Path) -> None:
    sandbox = MeshSandbox(tmp_path, tls=False, mailboxes={"X26OT001": "one", "X26OT002": "two"})
    with sandbox:
        assert sandbox.url.startswith("http://") and sandbox.ca_file is None
        pid = sandbox.pid
        with client(sandbox, MeshMailbox("X26OT001", "one")) as sender:
            message_id = sender.send_message("X26OT002", b"plain", workflow_id=WORKFLOW)
        assert (tmp_path / "store" / "X26OT002" / "in" / f"{message_id}.json").exists()
    assert pid is not None and not port_accepts(sandbox.port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_sandbox_dies_with_the_process_that_started_it(
    tmp_path: Path, marker: str, marked_env: dict[str, str], strays: StrayFinder, wait_for_no_strays: WaitForNoStrays
) -> None:
    argv = [sys.executable, "-c", PARENT, str(tmp_path)]
    with subprocess.Popen(argv, env=marked_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as parent:
        assert parent.stdout is not None
        sandbox_pid = parent.stdout.readline().strip().decode()
        assert sandbox_pid.isdigit()
        assert any(line.startswith(f"{sandbox_pid} ") for line in strays(marker))
        parent.kill()
    assert wait_for_no_strays(marker, 10.0) == []


def test_mailboxes_are_checked_when_added(tmp_path: Path) -> None:
    sandbox = MeshSandbox(tmp_path, python="unused: never started", mailboxes={"X26OT001": "secret"})
    with pytest.raises(ValueError, match="upper-case"):
        sandbox.add_mailbox("x26ot002", "secret")
    with pytest.raises(ValueError, match="already exists"):
        sandbox.add_mailbox("X26OT001", "other")
    again = MeshSandbox(tmp_path, python="unused: never started", mailboxes={"X26OT001": "secret"})  # kept
    assert again.mailboxes() == {"X26OT001": MeshMailbox("X26OT001", "secret")}
    with pytest.raises(ValueError, match="already exists"):
        MeshSandbox(tmp_path, python="unused: never started", mailboxes={"X26OT001": "changed"})


def test_without_the_sandbox_environment_it_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SANDBOX_PYTHON_ENV, raising=False)
    with pytest.raises(MeshSandboxUnavailable, match=r"python3 dev\.py test"):
        MeshSandbox(tmp_path)
