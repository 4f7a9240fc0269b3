"""Where a running process spends its time: py-spy samples its Python stacks from outside, without changing it,
and each sample is put down to the library nearest the top of the stack.

A sample whose innermost frames are the standard library (a socket write, ``uuid4``, ``json.dumps``) belongs to
whoever called it: a socket write under asyncpg is a PostgreSQL round trip, under aiokafka a Kafka request. A
sample waiting in the event loop's ``select`` is no work at all and is counted apart."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

OWN_CODE = "Pathfinder's own code"
WAITING = "waiting in the event loop"
OTHER = "other libraries"

# The package an installed file is in (the first folder under site-packages) and what it is.
LIBRARIES: Mapping[str, str] = {
    "asyncpg": "PostgreSQL driver (asyncpg)",
    "sqlalchemy": "SQLAlchemy (statements, ORM, rows)",
    "aiokafka": "Kafka client (aiokafka)",
    "uvicorn": "HTTP server (uvicorn, h11)",
    "h11": "HTTP server (uvicorn, h11)",
    "httptools": "HTTP server (uvicorn, h11)",
    "httpx": "HTTP client (httpx)",
    "httpcore": "HTTP client (httpx)",
    "anyio": "anyio (threads, task groups)",
    "starlette": "FastAPI and Starlette",
    "fastapi": "FastAPI and Starlette",
    "pydantic": "pydantic (validation, JSON)",
    "pydantic_core": "pydantic (validation, JSON)",
    "fhir": "FHIR models (fhir.resources)",
    "fhir_core": "FHIR models (fhir.resources)",
    "opentelemetry": "OpenTelemetry",
    "cryptography": "cryptography and JWT",
    "jwt": "cryptography and JWT",
}
_TRANSPARENT = frozenset({"greenlet"})  # SQLAlchemy's bridge to asyncio: its frames are SQLAlchemy's work
_OWN = "pathfinder"


@dataclass(frozen=True)
class Frame:
    function: str
    path: str  # the file in full (py-spy's --full-filenames), or "<frozen runpy>"

    @property
    def package(self) -> str | None:
        """The installed package the file is in, ``pathfinder`` for the project's own, None for the standard
        library (and for code with no file)."""
        if "/site-packages/" in self.path:
            return self.path.rsplit("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        return _OWN if f"/{_OWN}/" in self.path else None

    @property
    def own_name(self) -> str:
        """``notifications…subscription_repository:SqlLaSubscriptions._load``: the service and the module."""
        module = self.path.rsplit(f"/{_OWN}/", 1)[-1].removesuffix(".py").split("/")
        named = f"{module[0]}…{module[-1]}" if len(module) > 2 else ".".join(module)
        return f"{named}:{self.function}"

    def is_at(self, function: str, path_end: str) -> bool:
        return self.function == function and self.path.endswith(path_end)


def parse_raw(text: str) -> list[tuple[tuple[Frame, ...], int]]:
    """py-spy's ``--format raw`` (collapsed stacks, outermost frame first, then a count) as frames and counts."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for written in stack.split(";"):
            function, _, place = written.partition(" (")
            frames.append(Frame(function, place.rstrip(")").rsplit(":", 1)[0]))
        stacks.append((tuple(frames), int(count)))
    return stacks


def owner(frames: Sequence[Frame]) -> str:
    """What a sample with these frames (outermost first) was doing: the library nearest its top that is not
    the standard library."""
    if frames and frames[-1].function.endswith(".select") and frames[-1].path.endswith("/selectors.py"):
        return WAITING
    for frame in reversed(frames):
        package = frame.package
        if package is None or package in _TRANSPARENT:
            continue
        if package == _OWN:
            return OWN_CODE
        return LIBRARIES.get(package, OTHER)
    return "Python and asyncio themselves"


LIBRARY_CALLBACKS = "(a library's own tasks and callbacks)"


def nearest_own_function(frames: Sequence[Frame]) -> str | None:
    """The project's function nearest the top of the stack: the one whose call into a library cost the sample.
    A library's own task (aiokafka's fetcher, say) runs straight from the event loop, under no function of ours
    but the process's entry point: it is named as such, not put down to the entry point."""
    for frame in reversed(frames):
        if frame.is_at("Handle._run", "/asyncio/events.py"):
            return LIBRARY_CALLBACKS
        if frame.package == _OWN:
            return frame.own_name
    return None


@dataclass(frozen=True)
class TimeSpent:
    """One process's samples: how many were work, and the share of those each owner and own function took."""

    samples: int
    busy: int
    by_owner: dict[str, float]
    by_own_function: dict[str, float]


def time_spent(stacks: Iterable[tuple[Sequence[Frame], int]]) -> TimeSpent:
    owners: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    samples = 0
    for frames, count in stacks:
        samples += count
        doing = owner(frames)
        if doing == WAITING:
            continue
        owners[doing] += count
        if (function := nearest_own_function(frames)) is not None:
            functions[function] += count
    busy = sum(owners.values())
    return TimeSpent(
        samples=samples,
        busy=busy,
        by_owner={name: count / busy for name, count in owners.most_common()} if busy else {},
        by_own_function={name: count / busy for name, count in functions.most_common()} if busy else {},
    )


def py_spy() -> Path | None:
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    return Path(found) if found else None


async def sample(pids: Sequence[int], seconds: int, *, rate: int = 100) -> dict[int, str]:
    """py-spy's raw samples of each process in ``pids`` over the same ``seconds``, all at once; a process py-spy
    could not sample (gone, or tracing refused) is left out, with py-spy's own words on this process's stderr."""
    binary = py_spy()
    if binary is None:
        raise FileNotFoundError("py-spy is not installed (it is in the workspace's dev dependencies)")
    with tempfile.TemporaryDirectory(prefix="pathfinder-samples-") as folder:
        runs = {}
        for pid in pids:
            output = Path(folder) / f"{pid}.txt"
            runs[pid] = (output, await asyncio.create_subprocess_exec(
                str(binary), "record", "--pid", str(pid), "--duration", str(seconds),
                "--rate", str(rate), "--format", "raw", "--full-filenames", "--nonblocking", "--output", str(output),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            ))  # fmt: skip
        taken = {}
        for pid, (output, process) in runs.items():
            _, errors = await process.communicate()
            if process.returncode == 0 and output.exists():
                taken[pid] = output.read_text()
            else:
                print(f"py-spy could not sample {pid}: {errors.decode(errors='replace')[-500:]}", file=sys.stderr)
        return taken


async def sample_parts(parts: Mapping[str, Sequence[int]], seconds: float, *, rate: int = 100) -> Profile:
    """Each part of a platform (its processes' ids by name) sampled over the same ``seconds``."""
    whole_seconds = max(1, round(seconds))  # py-spy samples for whole seconds
    taken = await sample([pid for pids in parts.values() for pid in pids], whole_seconds, rate=rate)
    spent = {
        part: time_spent([stack for pid in pids if pid in taken for stack in parse_raw(taken[pid])])
        for part, pids in parts.items()
    }
    return Profile(spent, possible={part: whole_seconds * rate * len(pids) for part, pids in parts.items()})


@dataclass(frozen=True)
class Profile:
    parts: dict[str, TimeSpent]
    possible: dict[str, int]  # the samples each part's processes, all busy, give over the sampled seconds

    def rows(self, heading: str, *, at_least: float = 0.02, functions: int = 6) -> list[tuple[str, str]]:
        """Figures for a results table: for each part that did a twentieth of the busiest one's work, most work
        first, how much of the time it was at work, the share of its work each library took (``at_least`` and
        more) and the project's functions that cost it most."""
        rows = []
        busiest = max((spent.busy for spent in self.parts.values()), default=0)
        for part, spent in sorted(self.parts.items(), key=lambda item: -item[1].busy):
            if not spent.busy or spent.busy < busiest / 20:
                continue
            share = spent.busy / max(1, self.possible.get(part, 0))
            rows.append((f"[{heading}] {part}: at work, of the time sampled", f"{share:.0%}"))
            for name, part_share in spent.by_owner.items():
                if part_share >= at_least:
                    rows.append((f"[{heading}] {part}: of its work, in {name}", f"{part_share:.0%}"))
            costliest = list(spent.by_own_function.items())[:functions]
            named = "; ".join(f"{name} {function_share:.0%}" for name, function_share in costliest)
            rows.append((f"[{heading}] {part}: our functions nearest the top of the stack, most first", named))
        return rows
