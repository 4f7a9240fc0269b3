"""Child processes that never outlive us: parent-death signal, own process group, SIGTERM then SIGKILL.

Every child the devstack starts goes through :func:`spawn`:

- it is in its own process group (its own session), so a Ctrl-C in the terminal reaches only us and we stop
  the children in order, and so stopping a child also stops whatever it started itself;
- on Linux it asks the kernel for SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), even by SIGKILL.
  The kernel ties that signal to the *thread* that forked the child: spawn long-lived children from a thread
  that lives as long as they should (the main thread, or the event loop's thread), not a short-lived one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

_PR_SET_PDEATHSIG = 1
_prctl: Any = None


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGTERM the child when its parent dies; None elsewhere."""
    global _prctl
    if not sys.platform.startswith("linux"):
        return None
    if _prctl is None:  # resolved in the parent: no dynamic loading between fork and exec
        _prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl, parent, sigterm = _prctl, os.getpid(), int(signal.SIGTERM)

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sigterm)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), sigterm)

    return preexec


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdout: IO[bytes] | int | None = subprocess.DEVNULL,
    stderr: IO[bytes] | int | None = subprocess.STDOUT,
    stdin: IO[bytes] | int | None = subprocess.DEVNULL,
    with_parent: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` in a new session (process group); with ``with_parent`` it dies when we die."""
    return subprocess.Popen(
        list(argv),
        env=None if env is None else dict(env),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=die_with_parent() if with_parent else None,
        start_new_session=True,
    )


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, **extra}


def exit_status(process: subprocess.Popen[bytes]) -> int | None:
    """The child's exit status (negative signal number when killed), or None while it runs.

    Unlike ``Popen.poll()`` this does not reap the child: a dead leader keeps its process group id reserved, so
    :func:`stop_process` can still signal whatever the child left behind in that group.
    """
    if process.returncode is not None:
        return process.returncode
    if not hasattr(os, "waitid"):
        return process.poll()
    try:
        info = os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # reaped elsewhere
        return process.poll()
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the child's whole process group (the child was started by :func:`spawn`, so it leads one)."""
    if process.returncode is not None:  # reaped: its group id may belong to someone else by now
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def wait_exited(process: subprocess.Popen[bytes], deadline: float) -> bool:
    """Wait (without reaping) until the child has exited or ``deadline`` (``time.monotonic()``) passes."""
    while exit_status(process) is None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def stop_process(process: subprocess.Popen[bytes], *, timeout: float = 10.0) -> int:
    """SIGTERM the child's group, wait up to ``timeout``, SIGKILL the group (stragglers included), reap."""
    signal_group(process, signal.SIGTERM)
    wait_exited(process, time.monotonic() + timeout)
    signal_group(process, signal.SIGKILL)
    return process.wait()


def kill_process(process: subprocess.Popen[bytes]) -> int:
    """SIGKILL the child's group at once, and reap the child."""
    signal_group(process, signal.SIGKILL)
    return process.wait()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now (the OS picks it; another process may still take it before we do)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Bind-probe with SO_REUSEADDR, as servers bind: False when something listens on the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0
