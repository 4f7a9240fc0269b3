"""docker-compose.yml is a valid Compose file, and it runs every service as a role that owns none of its tables:
the api and worker containers connect as ``pathfinder_<pkg>_runtime`` and never see the owner's password, which
only the migrate job has (it migrates and grants the runtime role)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# The Compose Specification's own schema (github.com/compose-spec/compose-spec, schema/compose-spec.json,
# Apache License 2.0), kept here so that the check needs no network.
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
PACKAGES = {"notifications": "NOTIFICATIONS", "ehcp": "EHCP", "health-advice": "HEALTH_ADVICE", "identity": "IDENTITY"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def test_the_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = [
        f"{'/'.join(map(str, error.path))}: {error.message}"
        for error in jsonschema.Draft7Validator(schema).iter_errors(compose)
    ]
    assert errors == []


def _role(url: str) -> tuple[str | None, str]:
    parts = urlsplit(url)
    return parts.username, parts.path


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_each_service_runs_as_its_runtime_role_and_only_migrate_holds_the_owner(
    compose: dict[str, Any], service: str
) -> None:
    prefix, database = f"PATHFINDER_{PACKAGES[service]}_", "/pathfinder_" + service.replace("-", "_")
    containers = compose["services"]
    for process in ("api", "worker", "migrate"):
        environment = containers[f"{service}-{process}"]["environment"]
        assert _role(environment[f"{prefix}DATABASE_URL"]) == (f"{database[1:]}_runtime", database), process
        owner = environment.get(f"{prefix}MIGRATIONS_DATABASE_URL")
        if process == "migrate":
            assert owner is not None and _role(owner) == (database[1:], database)
        else:
            assert owner is None, f"{service}-{process} must not hold the owner's password"
            assert not any("_DB_PASSWORD" in str(value) for value in environment.values())


def test_the_database_init_script_makes_each_runtime_role(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]["environment"]
    for name in postgres["PATHFINDER_DATABASES"].split():
        assert f"{name.upper()}_DB_RUNTIME_PASSWORD" in postgres
    assert "_runtime" in (ROOT / "deploy" / "postgres" / "init-databases.sh").read_text()
