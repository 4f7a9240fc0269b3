# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Onboarding from the terminal: a trust or an LA is ready in a few commands, and the keys made by the CLI
really do buy tokens."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from identity_kit import TEST_ENVIRONMENT, TOKEN_URL, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity, token_form
from pathfinder.identity.cli import run


@pytest.fixture
async def database(fresh_database, monkeypatch) -> str:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    return await migrated_identity_database(await fresh_database("identity_cli"))


@pytest.fixture
async def identity(database) -> AsyncIterator[IdentityUnderTest]:
    async with running_identity(database, seed=False) as running:
        yield running


async def cli(database: str, *argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = await run(list(argv), database_url=database, out=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def field(output: str, name: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(f"{name}: "))


async def test_onboarding_a_trust_end_to_end(database: str, identity: IdentityUnderTest, tmp_path: Path) -> None:
    assert (await cli(database, "org", "load-csv"))[0] == 0
    key, jwks = tmp_path / "epr.pem", tmp_path / "epr.jwks.json"
    code, made = await cli(database, "client", "keygen", "--out", str(key), "--jwks-out", str(jwks), "--bits", "2048")
    assert code == 0
    assert key.stat().st_mode & 0o777 == 0o600
    assert "d" not in json.loads(jwks.read_text())["keys"][0]
    code, added = await cli(
        database, "client", "add", "--org", "RH8", "--name", "Trust EPR", "--scopes", "notifications:submit",
        "--jwks", str(jwks),
    )  # fmt: skip
    assert code == 0
    assert field(added, "kids") == field(made, "kid")
    code, assertion = await cli(
        database, "client", "assertion", "--client", field(added, "client_id"), "--key", str(key),
        "--token-url", TOKEN_URL,
    )  # fmt: skip
    response = await identity.http.post("/oauth2/token", data=token_form(assertion.strip()))
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await identity.http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["organisation"] == "RH8"


async def test_loading_the_seed_twice_changes_nothing(database: str) -> None:
    code, first = await cli(database, "org", "load-csv")
    assert code == 0 and "841" in first.splitlines()[0] and "RH8" in first.splitlines()[0]
    code, second = await cli(database, "org", "load-csv")
    assert code == 0 and second.splitlines()[0] == "added: -"
    code, listed = await cli(database, "org", "list")
    assert "QHM\ticb\tNHS North East and North Cumbria Integrated Care Board" in listed
    assert "878\tlocal-authority\tDevon County Council" in listed


async def test_a_csv_renames_and_reports_conflicts(database: str, tmp_path: Path) -> None:
    await cli(database, "org", "load-csv")
    more = tmp_path / "more.csv"
    more.write_text("code,role,name\n879,local-authority,Plymouth City Council\n841,icb,Wrong\nRH8,nhs-trust,RDUH\n")
    code, report = await cli(database, "org", "load-csv", str(more))
    assert code == 1
    assert report.splitlines() == ["added: 879", "renamed: RH8", "unchanged: -", "conflicting: 841"]


async def test_organisations_are_checked_before_they_are_added(database: str) -> None:
    code, said = await cli(database, "org", "add", "--code", "84", "--role", "local-authority", "--name", "Nowhere")
    assert code == 1 and "3-digit" in said
    code, said = await cli(database, "org", "add", "--code", "rh8", "--role", "nhs-trust", "--name", "Royal Devon")
    assert code == 0 and "RH8" in said
    code, said = await cli(database, "org", "add", "--code", "RH8", "--role", "nhs-trust", "--name", "Again")
    assert code == 1 and "already registered" in said


@pytest.mark.parametrize(
    ("org", "scope"),
    [("841", "notifications:submit"), ("RH8", "notifications:acknowledge"), ("QJK", "persons:erase")],
)
async def test_scopes_are_granted_by_organisation_role(database: str, org: str, scope: str) -> None:
    await cli(database, "org", "load-csv")
    code, said = await cli(database, "client", "add", "--org", org, "--name", "System", "--scopes", scope)
    assert code == 1 and scope in said


async def test_rotating_and_revoking_keys_and_clients(database: str, tmp_path: Path) -> None:
    await cli(database, "org", "load-csv")
    _, added = await cli(database, "client", "add", "--org", "841", "--name", "Case system", "--scopes", "persons:read")
    client_id = field(added, "client_id")
    jwks = tmp_path / "next.jwks.json"
    _, made = await cli(database, "client", "keygen", "--out", str(tmp_path / "k.pem"), "--jwks-out", str(jwks),
                        "--bits", "2048")  # fmt: skip
    assert (await cli(database, "client", "add-key", "--client", client_id, "--jwks", str(jwks)))[0] == 0
    _, listed = await cli(database, "client", "list", "--org", "841")
    assert field(made, "kid") in listed and "active" in listed
    code, _ = await cli(database, "client", "revoke-key", "--client", client_id, f"--kid={field(made, 'kid')}")
    assert code == 0
    assert (await cli(database, "client", "revoke", "--client", client_id))[0] == 0
    _, listed = await cli(database, "client", "list", "--org", "841")
    assert "revoked" in listed and field(made, "kid") not in listed


async def test_a_person_account_from_the_cli_signs_in(database: str, identity: IdentityUnderTest) -> None:
    await cli(database, "org", "load-csv")
    code, said = await cli(
        database, "person-account", "add", "--username", "officer@darlington.example.gov.uk", "--org", "841",
        "--scopes", "persons:read,persons:link", "--password-stdin", stdin="a long enough password\n",
    )  # fmt: skip
    assert code == 0 and "account_id" in said
    response = await identity.http.post(
        "/people/sign-in", json={"username": "officer@darlington.example.gov.uk", "password": "a long enough password"}
    )
    assert response.json()["scope"] == "persons:link persons:read"


async def test_a_short_password_is_refused(database: str) -> None:
    await cli(database, "org", "load-csv")
    code, said = await cli(
        database, "person-account", "add", "--username", "x@example.org", "--org", "841", "--scopes", "persons:read",
        "--password-stdin", stdin="short\n",
    )  # fmt: skip
    assert code == 1 and "12 characters" in said


def test_the_console_script_makes_keys(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("pathfinder-identity")
    key = tmp_path / "key.pem"
    done = subprocess.run(
        [str(script), "client", "keygen", "--out", str(key), "--bits", "2048"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PATHFINDER_TELEMETRY_EXPORTER": "none"},
    )
    [jwk] = json.loads(done.stdout)["keys"]
    assert (jwk["kty"], jwk["alg"], jwk["use"]) == ("RSA", "RS512", "sig")
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = subprocess.run([str(script), "client", "keygen", "--out", str(key)], capture_output=True, text=True)
    assert again.returncode == 1 and "not overwriting" in again.stdout
