"""Identity keeps the house shape: the composition root over entry points and adapters, over use cases, over
rules; two contexts that know nothing of each other; rules free of frameworks; routes that reach their
context through one typed dependency each; modules small enough to read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.application.use_cases import lint_imports
from importlinter.configuration import configure

SERVICE = Path(__file__).resolve().parents[2]
SOURCE = SERVICE / "src" / "pathfinder" / "identity"
LONGEST_MODULE = 300
FRAMEWORKS = (
    "fastapi", "starlette", "sqlalchemy", "asyncpg", "aiokafka", "httpx", "httpcore", "uvicorn", "alembic",
    "opentelemetry", "jwt", "argon2",
)  # fmt: skip
WEB_DATABASE_AND_BROKER = ("fastapi", "starlette", "sqlalchemy", "asyncpg", "aiokafka", "httpx", "uvicorn", "alembic")


def _modules(*layers: str) -> list[str]:
    return [
        ".".join(path.relative_to(SOURCE.parents[1]).with_suffix("").parts).removesuffix(".__init__")
        for layer in layers
        for path in sorted((SOURCE / layer).rglob("*.py"))
    ]


@pytest.fixture(scope="module")
def loaded() -> tuple[set[str], set[str]]:
    """The top-level packages a fresh interpreter has loaded once it imported every module of the rules, and
    then every module of the use cases too."""
    program = "\n".join(
        [
            "import importlib, sys",
            f"for m in {_modules('access/domain', 'persons/domain')!r}: importlib.import_module(m)",
            "print(*sys.modules)",
            f"for m in {_modules('access/service_layer', 'persons/service_layer')!r}: importlib.import_module(m)",
            "print(*sys.modules)",
        ]
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    rules, use_cases = ({name.split(".")[0] for name in line.split()} for line in done.stdout.splitlines())
    return rules, use_cases


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    configure()  # what import-linter's command does first; its logging set-up is left out, as it would mute ours
    passed = lint_imports(
        config_filename=str(SERVICE / ".importlinter"), cache_dir=None, no_logo=True, is_debug_mode=True
    )
    report = capsys.readouterr().out
    assert passed, report
    assert "4 kept, 0 broken" in report


def test_the_rules_load_no_framework_at_run_time(loaded: tuple[set[str], set[str]]) -> None:
    rules, _ = loaded
    assert "pathfinder" in rules
    assert rules & set(FRAMEWORKS) == set()


def test_the_use_cases_load_no_web_database_or_broker_framework_at_run_time(loaded: tuple[set[str], set[str]]) -> None:
    _, use_cases = loaded
    assert use_cases & set(WEB_DATABASE_AND_BROKER) == set()


def test_only_the_dependency_accessors_read_the_apps_state() -> None:
    readers = sorted(
        path.relative_to(SOURCE).as_posix() for path in SOURCE.rglob("*.py") if "app.state" in path.read_text()
    )
    assert readers == ["entrypoints/dependencies.py"]


def test_every_module_is_short_enough_to_read() -> None:
    lengths = {path.relative_to(SOURCE).as_posix(): len(path.read_text().splitlines()) for path in SOURCE.rglob("*.py")}
    assert {module: lines for module, lines in lengths.items() if lines > LONGEST_MODULE} == {}
