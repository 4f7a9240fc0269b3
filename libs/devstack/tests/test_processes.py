"""Children never outlive the platform: group stop with SIGKILL for stragglers, and the parent-death signal."""

from __future__ import annotations

import io
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from pathfinder.devstack.processes import exit_status, free_port, port_is_free, spawn, stop_process
from pathfinder.devstack.supervisor import ChildProcesses

WaitForNoStrays = Callable[[str, float], list[str]]

# Ignores SIGTERM and starts a grandchild that ignores it too: only SIGKILL of the whole group stops them.
STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
GRANDCHILD = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
subprocess.Popen([sys.executable, "-c", GRANDCHILD])
print("stubborn ready", flush=True)
time.sleep(600)
"""
POLITE = "import time; print('polite ready', flush=True); time.sleep(600)"


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_stop_all_leaves_no_process_behind(
    marker: str, marked_env: dict[str, str], wait_for_no_strays: WaitForNoStrays
) -> None:
    output = io.StringIO()
    children = ChildProcesses(output)
    with children:
        children.spawn("stubborn", [sys.executable, "-c", STUBBORN], env=marked_env)
        children.spawn("polite", [sys.executable, "-c", POLITE], env=marked_env)
        _wait_for(lambda: "stubborn ready" in output.getvalue() and "polite ready" in output.getvalue())
        assert children.exited() == []
        started = time.monotonic()
        children.stop_all(timeout=1.0)
        assert time.monotonic() - started < 5.0
    assert wait_for_no_strays(marker, 2.0) == []
    assert [child.process.returncode for child in children.children] == [-signal.SIGKILL, -signal.SIGTERM]
    lines = output.getvalue().splitlines()
    assert "[stubborn] stubborn ready" in lines
    assert "[polite] polite ready" in lines
    assert "[stubborn] did not stop within 1 s: killed" in lines


def test_a_child_that_exits_is_reported_without_being_reaped(marked_env: dict[str, str]) -> None:
    output = io.StringIO()
    with ChildProcesses(output) as children:
        child = children.spawn("quitter", [sys.executable, "-c", "print('bye'); raise SystemExit(3)"], env=marked_env)
        _wait_for(lambda: children.exited() != [])
        assert [(dead.label, status) for dead, status in children.exited()] == [("quitter", 3)]
        assert child.process.returncode is None  # still a zombie: its group id cannot be reused yet
    assert child.process.returncode == 3
    assert "[quitter] bye" in output.getvalue().splitlines()


def test_stop_process_and_exit_status() -> None:
    process = spawn([sys.executable, "-c", "import time; time.sleep(600)"])
    assert exit_status(process) is None
    assert stop_process(process, timeout=5.0) == -signal.SIGTERM
    assert exit_status(process) == -signal.SIGTERM


def test_ports() -> None:
    port = free_port()
    assert port_is_free(port)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        assert not port_is_free(port)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_children_die_with_their_parent(
    signum: int, marker: str, marked_env: dict[str, str], wait_for_no_strays: WaitForNoStrays
) -> None:
    """No cleanup of ours runs (SIGKILL, or SIGTERM with its default action): the kernel's parent-death signal
    stops the child."""
    parent_code = (
        "import time\n"
        "from pathfinder.devstack.supervisor import ChildProcesses\n"
        "children = ChildProcesses()\n"
        "children.spawn('sleeper', ['sleep', '600'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    argv = [sys.executable, "-c", parent_code]
    with subprocess.Popen(argv, env=marked_env, stdout=subprocess.PIPE, text=True) as parent:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "ready"
        parent.send_signal(signum)
    assert wait_for_no_strays(marker, 10.0) == []
