#!/usr/bin/env python3
"""Pathfinder's developer commands, for a fresh machine that has only python3 and access to PyPI.

    python3 dev.py up [ARGS]      run the whole platform on the embedded broker and PostgreSQL (Ctrl-C stops it);
                                  ARGS go to `pathfinder-platform up` (see `python3 dev.py up --help`)
    python3 dev.py test [ARGS]    run the whole test suite; ARGS go to pytest
    python3 dev.py check          ruff (lint and format), mypy --strict, the import rules and the event contract gate
    python3 dev.py benchmarks [ARGS]
                                  run every benchmark and write docs/performance.md; ARGS go to
                                  benchmarks/run_all.py (`--quick`: small scale, `--only NAME`, `--output PATH`)

On first use this creates .state/bootstrap, a virtual environment holding a pinned uv, then installs the
workspace exactly as uv.lock says into .venv (`uv sync --frozen`). For `up` and `test` it also makes
.state/mesh-sandbox, NHS England's MESH sandbox server in an environment of its own (it pins FastAPI: ADR 0012),
from the hashes in tools/mesh-sandbox/requirements.txt, and names its python in PATHFINDER_MESH_SANDBOX_PYTHON.
Later runs only re-check all that, which takes a fraction of a second. Standard library only: nothing else is
installed when it starts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.9"
BOOTSTRAP = ROOT / ".state" / "bootstrap"
VENV = ROOT / ".venv"
MESH_SANDBOX = ROOT / ".state" / "mesh-sandbox"
MESH_SANDBOX_REQUIREMENTS = ROOT / "tools" / "mesh-sandbox" / "requirements.txt"
MESH_SANDBOX_PYTHON_ENV = "PATHFINDER_MESH_SANDBOX_PYTHON"
COMMANDS = ("up", "test", "check", "benchmarks")


def say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> int:
    say(message)
    return 1


def _bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def _uv_version(uv: Path) -> str | None:
    try:
        out = subprocess.run([str(uv), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    parts = out.split()
    return parts[1] if len(parts) > 1 else None


def ensure_uv() -> Path | None:
    """The pinned uv in .state/bootstrap, installed on first use; None (after saying why) when it cannot be."""
    uv = _bin(BOOTSTRAP, "uv")
    if uv.exists() and _uv_version(uv) == UV_VERSION:
        return uv
    if importlib.util.find_spec("venv") is None or importlib.util.find_spec("ensurepip") is None:
        say(
            f"{sys.executable} cannot create virtual environments (no venv/ensurepip module).\n"
            "  Debian/Ubuntu: sudo apt-get install python3-venv    Fedora: sudo dnf install python3\n"
            f"  then run this again. (Or create {BOOTSTRAP.relative_to(ROOT)} yourself with uv=={UV_VERSION} in it.)"
        )
        return None
    say(f"installing uv {UV_VERSION} into {BOOTSTRAP.relative_to(ROOT)} (first run only)")
    if not _bin(BOOTSTRAP, "python").exists():
        shutil.rmtree(BOOTSTRAP, ignore_errors=True)  # a half-made environment from an interrupted run
        BOOTSTRAP.parent.mkdir(parents=True, exist_ok=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(BOOTSTRAP)])
        if made.returncode != 0:
            shutil.rmtree(BOOTSTRAP, ignore_errors=True)
            say("'python3 -m venv' failed (above). On Debian/Ubuntu: sudo apt-get install python3-venv")
            return None
    pip = [str(_bin(BOOTSTRAP, "python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if subprocess.run([*pip, f"uv=={UV_VERSION}"]).returncode != 0 or _uv_version(uv) != UV_VERSION:
        say(f"installing uv {UV_VERSION} with pip failed (above): check your network or PyPI proxy settings")
        return None
    return uv


def ensure_workspace() -> bool:
    """``uv sync --frozen --all-packages`` into .venv: quiet and quick when it is already in sync."""
    uv = ensure_uv()
    if uv is None:
        return False
    if not _bin(VENV, "python").exists():
        say("installing the workspace into .venv from uv.lock (first run only; takes a minute)")
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)}
    env.pop("VIRTUAL_ENV", None)  # an activated other environment would only make uv warn
    synced = subprocess.run([str(uv), "sync", "--frozen", "--all-packages", "--quiet"], cwd=ROOT, env=env)
    if synced.returncode != 0:
        say("'uv sync --frozen --all-packages' failed (above)")
        return False
    return True


def ensure_mesh_sandbox() -> bool:
    """.state/mesh-sandbox from tools/mesh-sandbox/requirements.txt, named in $PATHFINDER_MESH_SANDBOX_PYTHON.

    A stamp holding the requirements file's hash makes the later runs' check one small read; a changed file (or
    an interrupted install, which leaves no stamp) makes the environment again. A python already named in the
    environment is used as it is.
    """
    if os.environ.get(MESH_SANDBOX_PYTHON_ENV):
        return True
    python, stamp = _bin(MESH_SANDBOX, "python"), MESH_SANDBOX / "requirements.sha256"
    digest = hashlib.sha256(MESH_SANDBOX_REQUIREMENTS.read_bytes()).hexdigest()
    if not (python.exists() and stamp.exists() and stamp.read_text().strip() == digest):
        where, requirements = MESH_SANDBOX.relative_to(ROOT), MESH_SANDBOX_REQUIREMENTS.relative_to(ROOT)
        say(f"installing NHS England's MESH sandbox into {where} from {requirements} (once per requirements)")
        shutil.rmtree(MESH_SANDBOX, ignore_errors=True)
        uv = str(_bin(BOOTSTRAP, "uv"))  # ensure_workspace() has installed it
        env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
        steps = [
            [uv, "venv", "--quiet", "--python", str(_bin(VENV, "python")), str(MESH_SANDBOX)],
            [uv, "pip", "install", "--quiet", "--require-hashes", "--python", str(python), "-r", str(requirements)],
        ]
        if any(subprocess.run(step, cwd=ROOT, env=env).returncode != 0 for step in steps):
            say(f"installing {requirements} into {where} failed (above)")
            return False
        stamp.write_text(digest + "\n")
    os.environ[MESH_SANDBOX_PYTHON_ENV] = str(python)
    return True


def run(argv: list[str]) -> int:
    """Run a child in the foreground; a Ctrl-C goes to it (it shares our terminal) and we wait for its exit."""
    previous = signal.signal(signal.SIGINT, lambda *_: None)
    try:
        return subprocess.run(argv, cwd=ROOT).returncode
    finally:
        signal.signal(signal.SIGINT, previous)


def replace_with(argv: list[str]) -> int:
    """Become ``argv`` (exec): signals reach it directly and its exit status is ours."""
    os.chdir(ROOT)
    if os.name == "nt":
        return subprocess.run(argv).returncode
    os.execv(argv[0], argv)  # noqa: S606 - argv is our own venv script
    return 0  # not reached


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if not ensure_workspace():
        return 1
    if command in ("up", "test") and not ensure_mesh_sandbox():
        return 1
    if command == "up":
        return replace_with([str(_bin(VENV, "pathfinder-platform")), "up", *rest])
    if command == "benchmarks":
        return replace_with([str(_bin(VENV, "python")), str(ROOT / "benchmarks" / "run_all.py"), *rest])
    if command == "check":
        ruff, mypy = str(_bin(VENV, "ruff")), str(_bin(VENV, "mypy"))
        results = [
            run([ruff, "check", "."]),
            run([ruff, "format", "--check", "."]),
            run([mypy, "libs", "services", "platform", "tests", "benchmarks"]),
            run([str(_bin(VENV, "lint-imports")), "--no-cache"]),
            run([str(_bin(VENV, "pathfinder-contracts")), "check"]),
        ]
        return 0 if not any(results) else fail("check failed")
    code = run([str(_bin(VENV, "python")), "-m", "pytest", *rest])
    if code == 5:
        return fail("pytest collected no tests: that counts as a failure")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
