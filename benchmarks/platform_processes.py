"""The platform's processes as a benchmark sees them from outside: which part of the platform each is, the CPU
each part used, and the memory they hold (RSS, and PSS, which shares out pages shared between processes)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Memory:
    rss_mib: float
    pss_mib: float
    processes: int


def process_tree(*roots: int) -> list[int]:
    """``roots`` and every process below them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def platform_processes(platform: int, state: Path) -> list[int]:
    """The platform's processes: its own tree, and PostgreSQL's (the server detaches from whoever started it)."""
    postmaster = state / "postgres" / "postmaster.pid"
    with suppress(OSError, ValueError, IndexError):
        return process_tree(platform, int(postmaster.read_text().split()[0]))
    return process_tree(platform)


def platform_memory(processes: list[int]) -> Memory:
    """RSS and PSS of ``processes``."""
    tree = processes
    rss = pss = 0
    for pid in tree:
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                name, _, value = line.partition(":")
                if name == "Rss":
                    rss += int(value.split()[0])
                elif name == "Pss":
                    pss += int(value.split()[0])
    return Memory(rss / 1024, pss / 1024, len(tree))


def cpu_seconds(processes: list[int]) -> dict[int, tuple[str, float]]:
    """Per process, its part of the platform and the CPU seconds (user and system) it and its reaped children
    have used so far: PostgreSQL's backends that exit count in its postmaster. This process is included (the
    load, the webhook receiver and the LA's consumer)."""
    used: dict[int, tuple[str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in [*processes, os.getpid()]:
        with suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            used[pid] = (_part(pid, cmdline), sum(int(value) for value in fields[11:15]) / tick)
    return used


def cpu_spent(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds each part used between two readings, process by process."""
    spent: dict[str, float] = {}
    for pid, (part, seconds) in after.items():
        spent[part] = spent.get(part, 0.0) + seconds - (before[pid][1] if pid in before else 0.0)
    return spent


def _part(pid: int, cmdline: str) -> str:
    if "spawn_main" in cmdline:  # an API's worker process, or the worker's replay lane: its parent's part
        parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        return _part(parent, Path(f"/proc/{parent}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    if pid == os.getpid():
        return "benchmark client (load, webhook receiver, LA consumer)"
    if "-m pathfinder." in cmdline:
        module = cmdline.split("-m pathfinder.", 1)[1].split()[0]
        return module.replace(".", " ") if not module.startswith("devstack") else "PostgreSQL"
    if "postgres" in cmdline:
        return "PostgreSQL"
    if "tansu" in cmdline or "calfkit" in cmdline:
        return "broker (Tansu)"
    return "platform supervisor"


class MemoryWatch:
    """The most memory the platform held while this watch ran, sampled every half second."""

    def __init__(self, processes: Callable[[], list[int]]) -> None:
        self.processes = processes
        self.peak = Memory(0.0, 0.0, 0)
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> MemoryWatch:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _sample(self) -> None:
        while True:
            seen = await asyncio.to_thread(lambda: platform_memory(self.processes()))
            if seen.pss_mib > self.peak.pss_mib:
                self.peak = seen
            await asyncio.sleep(0.5)
