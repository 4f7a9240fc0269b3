"""Every domain module of every service, imported alone in a fresh interpreter, loads no framework: not directly,
not through a library, not through a package's ``__init__`` (which a static import graph does not see)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = (
    "fastapi", "starlette", "sqlalchemy", "asyncpg", "aiokafka", "httpx", "httpcore", "uvicorn", "alembic",
    "opentelemetry", "jwt",
)  # fmt: skip

# Imports each module in a child forked from a bare interpreter, and reports the frameworks it loaded.
_PROBE = """
import importlib, json, os, sys
frameworks, found = tuple(sys.argv[1].split(",")), {}
for module in sys.argv[2:]:
    read, write = os.pipe()
    if os.fork() == 0:
        os.close(read)
        importlib.import_module(module)
        loaded = sorted({name.split(".")[0] for name in sys.modules} & set(frameworks))
        os.write(write, json.dumps(loaded).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        found[module] = json.loads(answer.read() or '["(import failed)"]')
    os.wait()
print(json.dumps(found))
"""


def domain_modules() -> list[str]:
    modules = []
    for src in sorted(ROOT.glob("services/*/src")):
        for path in sorted(src.glob("pathfinder/**/domain/*.py")):
            parts = path.relative_to(src).with_suffix("").parts
            modules.append(".".join(part for part in parts if part != "__init__"))
    return modules


def test_the_probe_sees_a_framework_loaded_through_a_library() -> None:
    found = _probe(["pathfinder.auth.tokens", "pathfinder.auth"])
    assert "jwt" in found["pathfinder.auth.tokens"], "the check must be able to fail"
    assert found["pathfinder.auth"] == [], "the value types of authorisation load no framework"


def test_no_domain_module_loads_a_framework() -> None:
    modules = domain_modules()
    assert len(modules) >= 10 and any(".notifications.domain." in module for module in modules)
    reaching = {module: loaded for module, loaded in _probe(modules).items() if loaded}
    assert reaching == {}, f"domain modules that load a framework: {reaching}"


def _probe(modules: list[str]) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(FRAMEWORKS), *modules],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found
