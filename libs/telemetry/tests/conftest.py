"""Fixtures that leave the process's logging and telemetry as they found them (apart from the global
OpenTelemetry providers, which can be set only once per process and are meant to be shared)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pathfinder.telemetry.setup import Telemetry


@pytest.fixture(autouse=True)
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def shutdown_after() -> Iterator[Callable[[Telemetry], Telemetry]]:
    """Registers a Telemetry to be shut down when the test ends, however it ends."""
    created: list[Telemetry] = []

    def register(telemetry: Telemetry) -> Telemetry:
        created.append(telemetry)
        return telemetry

    yield register
    for telemetry in created:
        telemetry.shutdown()


@pytest.fixture
def json_lines(capsys: pytest.CaptureFixture[str]) -> Callable[[], list[dict[str, Any]]]:
    """The JSON log lines of the tests' own loggers (``pathfinder.tests.*``) written to stderr since the last call;
    lines from the library itself (e.g. its warning that telemetry was configured before) are skipped."""

    def read() -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        return [line for line in lines if str(line.get("logger", "")).startswith("pathfinder.tests.")]

    return read
