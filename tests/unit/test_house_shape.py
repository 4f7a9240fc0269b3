"""Every service keeps the house shape of docs/architecture.md, in what the import contracts cannot see:

- each domain module, imported alone in a fresh interpreter, loads no framework, and each service-layer module no
  web, database or broker framework: not directly, not through a library, not through a package's ``__init__``
  (which a static import graph does not see);
- routes reach their dependencies through one typed accessor; nothing of a service reads the app's state;
- modules stay short enough to read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = (
    "fastapi", "starlette", "sqlalchemy", "asyncpg", "aiokafka", "httpx", "httpcore", "uvicorn", "alembic",
    "opentelemetry", "jwt", "argon2",
)  # fmt: skip
WEB_DATABASE_AND_BROKER = ("fastapi", "starlette", "sqlalchemy", "asyncpg", "aiokafka", "httpx", "uvicorn", "alembic")
LONGEST_MODULE = 300
SOURCES = [*sorted(ROOT.glob("services/*/src")), *sorted(ROOT.glob("libs/*/src")), ROOT / "platform" / "src"]

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


def layer_modules(layer: str) -> list[str]:
    modules = []
    for src in sorted(ROOT.glob("services/*/src")):
        for path in sorted(src.glob(f"pathfinder/**/{layer}/*.py")):
            parts = path.relative_to(src).with_suffix("").parts
            modules.append(".".join(part for part in parts if part != "__init__"))
    return modules


def test_the_probe_sees_a_framework_loaded_through_a_library() -> None:
    found = _probe(["pathfinder.auth.tokens", "pathfinder.auth"], FRAMEWORKS)
    assert "jwt" in found["pathfinder.auth.tokens"], "the check must be able to fail"
    assert found["pathfinder.auth"] == [], "the value types of authorisation load no framework"


def test_no_domain_module_loads_a_framework() -> None:
    modules = layer_modules("domain")
    assert len(modules) >= 10 and any(".notifications.domain." in module for module in modules)
    reaching = {module: loaded for module, loaded in _probe(modules, FRAMEWORKS).items() if loaded}
    assert reaching == {}, f"domain modules that load a framework: {reaching}"


def test_no_service_layer_module_loads_a_web_database_or_broker_framework() -> None:
    modules = layer_modules("service_layer")
    assert len(modules) >= 10 and any(".identity.persons.service_layer." in module for module in modules)
    reaching = {module: loaded for module, loaded in _probe(modules, WEB_DATABASE_AND_BROKER).items() if loaded}
    assert reaching == {}, f"service-layer modules that load a framework: {reaching}"


def test_routes_reach_their_dependencies_only_through_the_typed_accessor() -> None:
    modules = list(ROOT.glob("services/*/src/pathfinder/*/**/*.py"))
    assert len(modules) > 80
    readers = sorted(str(path.relative_to(ROOT)) for path in modules if "app.state" in path.read_text())
    assert readers == [], "a service reads the app's state only through pathfinder.web.dependencies"
    accessors = [path for path in modules if "RouteDependencies(" in path.read_text()]
    assert len(accessors) >= 3, "each service's routes have their one typed dependency"


def test_every_module_is_short_enough_to_read() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines()) for src in SOURCES for path in src.rglob("*.py")
    }
    assert len(lengths) > 80
    assert {module: lines for module, lines in lengths.items() if lines > LONGEST_MODULE} == {}


def _probe(modules: list[str], frameworks: tuple[str, ...]) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(frameworks), *modules],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found
