"""Fixtures for tests of process supervision (the devstack's and the platform command's): finding processes left behind,
and data dirs the server can reach. A pytest plugin, registered by the root conftest.py."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest

StrayFinder = Callable[[str], list[str]]


def _live_processes_with(marker: str) -> list[str]:
    """Every live (non-zombie) process whose environment contains ``marker``, as "pid cmdline"."""
    needle = marker.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes():
                continue
            state = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if state != b"Z":
            found.append(f"{entry.name} {cmdline.strip()}")
    return found


@pytest.fixture
def marker() -> str:
    """A unique environment entry: give it to a process and every process it starts inherits it."""
    return f"PATHFINDER_DEVSTACK_TEST_MARKER=m{uuid4().hex}"


@pytest.fixture
def marked_env(marker: str) -> dict[str, str]:
    name, value = marker.split("=", 1)
    return {**os.environ, name: value}


@pytest.fixture
def wait_for_no_strays() -> Callable[[str, float], list[str]]:
    """``wait_for_no_strays(marker, timeout)``: the processes still alive with ``marker`` after ``timeout``."""

    def wait(marker: str, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while (left := _live_processes_with(marker)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left

    return wait


@pytest.fixture
def strays() -> StrayFinder:
    return _live_processes_with


@pytest.fixture
def server_dir() -> Iterator[Path]:
    """A temporary directory a PostgreSQL server running as another user (when we are root) can reach."""
    with tempfile.TemporaryDirectory(prefix="devstack-test-", ignore_cleanup_errors=True) as name:
        os.chmod(name, 0o755)  # noqa: S103 - the server's system user must traverse it
        yield Path(name)
