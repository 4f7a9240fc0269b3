"""The catalogue the platform command runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from pathfinder.platform.services import SERVICES, PlatformService


def test_catalogue() -> None:
    assert [(s.name, s.http_port) for s in SERVICES] == [
        ("notifications", 8001),
        ("ehcp", 8002),
        ("health-advice", 8003),
        ("identity", 8004),
        ("event-history", 8005),
    ]
    health = PlatformService(
        "health-advice", "pathfinder.health_advice", "PATHFINDER_HEALTH_ADVICE_", 8003,
        start_up=("-m", "pathfinder.health_advice.cli", "seed"),
    )  # fmt: skip
    assert health in SERVICES
    assert health.database_name == "pathfinder_health_advice"
    assert health.migrations == "pathfinder.health_advice:migrations"
    assert len({s.database_name for s in SERVICES}) == len({s.env_prefix for s in SERVICES}) == len(SERVICES)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_every_service_has_what_the_platform_starts(service: PlatformService) -> None:
    start_up = service.start_up[1:2] if service.start_up[:1] == ("-m",) else ()
    for module in (f"{service.package}.api", f"{service.package}.worker", *start_up):
        assert importlib.util.find_spec(module) is not None, module
    package = importlib.util.find_spec(service.package)
    assert package is not None and package.submodule_search_locations
    assert any((Path(path) / "migrations" / "env.py").exists() for path in package.submodule_search_locations)


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_every_service_declares_its_schema_and_runs_as_a_role_of_its_own(service: PlatformService) -> None:
    assert service.schema.migrations == service.migrations
    assert service.runtime_role == f"{service.database_name}_runtime"
    if service.name == "identity":
        assert service.schema.append_only == ("person_audit_event",)
    if service.name == "event-history":
        assert service.schema.append_only == ("event_audit",)
