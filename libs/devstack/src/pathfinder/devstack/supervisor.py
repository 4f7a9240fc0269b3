"""A set of labelled child processes whose output is prefixed line by line, stopped together, never orphaned."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Self, TextIO

from pathfinder.devstack.processes import exit_status, signal_group, spawn, wait_exited


@dataclass
class Child:
    label: str
    process: subprocess.Popen[bytes]
    _output: threading.Thread | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def exit_status(self) -> int | None:
        """None while it runs; does not reap it (see :func:`pathfinder.devstack.processes.exit_status`)."""
        return exit_status(self.process)


class ChildProcesses:
    """Start children with :meth:`spawn`; :meth:`stop_all` (or leaving the ``with`` block) stops every one.

    Each child runs in its own process group and gets SIGTERM if we die (see :mod:`pathfinder.devstack.processes`).
    Its stdout and stderr go to ``output`` (our stdout by default), each line prefixed with ``[label] ``.
    """

    def __init__(self, output: TextIO | None = None) -> None:
        self._output = output
        self._lock = threading.Lock()
        self.children: list[Child] = []

    def spawn(self, label: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> Child:
        process = spawn(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert process.stdout is not None
        thread = threading.Thread(target=self._copy, args=(label, process.stdout), name=f"output-{label}", daemon=True)
        child = Child(label, process, thread)
        self.children.append(child)
        thread.start()
        return child

    def exited(self) -> list[tuple[Child, int]]:
        """The children that have exited, with their exit status (negative: killed by that signal)."""
        statuses = [(child, child.exit_status()) for child in self.children]
        return [(child, status) for child, status in statuses if status is not None]

    def stop_all(self, *, timeout: float = 10.0) -> None:
        """SIGTERM every child's group, wait up to ``timeout`` in all, SIGKILL the groups, reap every child."""
        for child in self.children:
            signal_group(child.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            if not wait_exited(child.process, deadline):
                self.write(child.label, f"did not stop within {timeout:.0f} s: killed\n")
        for child in self.children:
            signal_group(child.process, signal.SIGKILL)  # stragglers it left in its group, too
            child.process.wait()
        for child in self.children:
            if child._output is not None:
                child._output.join(timeout=2.0)

    def write(self, label: str, text: str) -> None:
        output = self._output or sys.stdout
        with self._lock:
            output.write(f"[{label}] {text}")
            output.flush()

    def _copy(self, label: str, stream: IO[bytes]) -> None:
        with stream:
            for line in stream:
                text = line.decode(errors="replace")
                with contextlib.suppress(OSError, ValueError):  # our stdout is gone: keep draining anyway
                    self.write(label, text if text.endswith("\n") else text + "\n")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()
