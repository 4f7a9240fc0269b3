"""docker-compose.yml is a valid Compose file, and it runs every service as a role that owns none of its tables:
the api and worker containers connect as ``pathfinder_<pkg>_runtime`` and never see the owner's password, which
only the migrate job has (it migrates and grants the runtime role). Notifications is told where LA systems reach
each API, so that the data links of its deliveries work as deployed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.notifications.settings import LaDeliverySettings

ROOT = Path(__file__).resolve().parents[2]
# The Compose Specification's own schema (github.com/compose-spec/compose-spec, schema/compose-spec.json,
# Apache License 2.0), kept here so that the check needs no network.
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
PACKAGES = {
    "notifications": "NOTIFICATIONS", "ehcp": "EHCP", "health-advice": "HEALTH_ADVICE", "identity": "IDENTITY",
    "event-history": "EVENT_HISTORY",
}  # fmt: skip


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


@pytest.mark.parametrize("process", ["api", "worker"])
def test_notifications_writes_data_links_on_the_public_urls_set_in_env(
    compose: dict[str, Any], process: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = compose["services"][f"notifications-{process}"]["environment"]
    env_example = (ROOT / "deploy" / "env.example").read_text()
    deploy_readme = (ROOT / "deploy" / "README.md").read_text()
    public: dict[str, str] = {}
    for service in ("notifications", "identity", "ehcp"):
        setting = f"PATHFINDER_LA_DELIVERY_{service.upper()}_PUBLIC_URL"
        found = re.fullmatch(r"\$\{(\w+):-(\S+)\}", environment[setting])
        assert found is not None, f"{setting} is taken from .env, with a default"
        variable, default = found.groups()
        (published,) = compose["services"][f"{service}-api"]["ports"]
        assert default == "http://" + published.rsplit(":", 1)[0], f"{setting} defaults to the port compose publishes"
        assert f"# {variable}=https://" in env_example and variable in deploy_readme and setting in deploy_readme
        public[setting] = f"https://api.example.org/{service}"
    for setting, value in public.items():
        monkeypatch.setenv(setting, value)
    urls = [f"https://api.example.org/{service}" for service in ("notifications", "identity", "ehcp")]
    assert LaDeliverySettings().public_urls == PublicUrls(*urls), "the names the service reads"


def test_kafka_asks_every_client_to_sign_in_and_allows_nothing_without_an_acl(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]["environment"]
    protocols = dict(pair.split(":") for pair in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}, "no listener takes anonymous clients"
    assert kafka["KAFKA_AUTHORIZER_CLASS_NAME"] == "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
    assert (kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"], kafka["KAFKA_SUPER_USERS"]) == ("false", "User:admin")
    assert kafka["KAFKA_LISTENER_NAME_EXTERNAL_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512", "no PLAIN from outside"
    assert 'user_admin="${KAFKA_ADMIN_PASSWORD' in kafka["KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG"]


@pytest.mark.parametrize("service", sorted(PACKAGES))
def test_each_service_signs_in_to_kafka_as_itself_once_its_principal_exists(
    compose: dict[str, Any], service: str
) -> None:
    init = compose["services"]["kafka-init"]
    for process in ("api", "worker"):
        container = compose["services"][f"{service}-{process}"]
        environment = container["environment"]
        assert (environment["PATHFINDER_KAFKA_SECURITY_PROTOCOL"], environment["PATHFINDER_KAFKA_SASL_MECHANISM"]) == (
            "SASL_PLAINTEXT",
            "SCRAM-SHA-512",
        )
        assert environment["PATHFINDER_KAFKA_SASL_USERNAME"] == service
        variable = f"KAFKA_PASSWORD_{PACKAGES[service]}"
        assert environment["PATHFINDER_KAFKA_SASL_PASSWORD"].startswith("${" + variable)
        assert init["environment"][variable].startswith("${" + variable), "kafka-init makes it with that password"
        assert container["depends_on"]["kafka-init"] == {"condition": "service_completed_successfully"}
        assert variable in (ROOT / "deploy" / "env.example").read_text()


def _run_kafka_script(tmp_path: Path, *arguments: str) -> tuple[int, list[list[str]]]:
    """Runs a script of deploy/kafka with Kafka's tools replaced by ones that write down how they were called."""
    tools = tmp_path / "bin"
    tools.mkdir(parents=True, exist_ok=True)
    calls = tmp_path / "calls"
    for tool in ("kafka-configs.sh", "kafka-acls.sh"):
        (tools / tool).write_text(f'#!/bin/sh\nprintf "%s\\n" {tool} "$@" "--" >> {calls}\n')
        (tools / tool).chmod(0o755)
    environment = {
        "PATH": "/usr/bin:/bin",
        "KAFKA_BIN": str(tools),
        "KAFKA_ADMIN_PASSWORD": "admin-secret",
        **{f"KAFKA_PASSWORD_{name}": f"{name.lower()}-secret" for name in PACKAGES.values()},
    }
    done = subprocess.run(
        ["sh", str(ROOT / "deploy" / "kafka" / arguments[0]), *arguments[1:]],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    made: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line == "--":
            made.append(current)
            current = []
        else:
            current.append(line)
    return done.returncode, made


def test_an_la_principal_may_read_its_own_topic_and_groups_and_nothing_else(tmp_path: Path) -> None:
    code, calls = _run_kafka_script(tmp_path, "add-la.sh", "841", "la-secret")
    assert code == 0
    acls = [call for call in calls if call[0] == "kafka-acls.sh"]
    granted = [(call[call.index("--operation") :], call) for call in acls]
    assert len(acls) == 2
    topic, group = (call for _, call in granted)
    assert topic[topic.index("--topic") + 1] == "pathfinder.la.841.events" and "prefixed" not in topic
    assert topic.count("--operation") == 2 and "Read" in topic and "Describe" in topic and "Write" not in topic
    assert group[group.index("--group") + 1] == "la-841." and "prefixed" in group
    assert all(call[call.index("--allow-principal") + 1] == "User:la-841" for call in acls)
    [user] = [call for call in calls if call[0] == "kafka-configs.sh"]
    assert user[user.index("--entity-name") + 1] == "la-841"
    assert "SCRAM-SHA-512=[iterations=8192,password=la-secret]" in user
    refused, nothing = _run_kafka_script(tmp_path / "x", "add-la.sh", "84", "la-secret")
    assert refused == 2 and nothing == [], "an LA code is three digits"


def test_each_service_principal_is_made_with_its_own_password_and_groups(tmp_path: Path) -> None:
    code, calls = _run_kafka_script(tmp_path, "principals.sh")
    assert code == 0
    users = {call[call.index("--entity-name") + 1]: call[-1] for call in calls if call[0] == "kafka-configs.sh"}
    assert users == {
        service: f"SCRAM-SHA-512=[iterations=8192,password={PACKAGES[service].lower()}-secret]" for service in PACKAGES
    }
    groups = {call[call.index("--group") + 1] for call in calls if "--group" in call}
    assert groups == {f"{service}." for service in PACKAGES}
