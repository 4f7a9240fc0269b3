# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Identity runs as a role that does not own its tables: the person audit log, which a trigger keeps
append-only, cannot be changed by the service even around the trigger; everything else the service needs it may
do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from pathfinder.identity.migrate import SCHEMA
from pathfinder.persistence.database import asyncpg_dsn, with_login
from pathfinder.persistence.migrations import prepare_database

AUDIT_ROW = (
    "INSERT INTO person_audit_event (occurred_at, actor_subject, actor_kind, actor_organisation, actor_role, "
    "action, outcome, purpose, detail) VALUES (now(), 'client-1', 'client', 'RR8', 'nhs-trust', 'match', "
    "'allowed', 'direct-care', '{}')"
)


@dataclass
class Prepared:
    owner_url: str
    runtime_url: str


@pytest.fixture
async def prepared(fresh_database, fresh_role) -> Prepared:
    owner_url = await fresh_database("identity_runtime_role")
    runtime_url = with_login(owner_url, fresh_role("identity_runtime"), "runtime-password")
    await prepare_database(SCHEMA, owner_url=owner_url, runtime_url=runtime_url)
    return Prepared(owner_url, runtime_url)


@pytest.fixture
async def as_runtime(prepared: Prepared) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(asyncpg_dsn(prepared.runtime_url))
    try:
        yield connection
    finally:
        await connection.close()


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("ALTER TABLE person_audit_event DISABLE TRIGGER ALL", asyncpg.InsufficientPrivilegeError),
        (
            "ALTER TABLE person_audit_event DISABLE TRIGGER person_audit_event_append_only",
            asyncpg.InsufficientPrivilegeError,
        ),
        ("UPDATE person_audit_event SET purpose = 'direct-care'", asyncpg.InsufficientPrivilegeError),
        ("DELETE FROM person_audit_event", asyncpg.InsufficientPrivilegeError),
        ("TRUNCATE person_audit_event", asyncpg.InsufficientPrivilegeError),
        ("SET session_replication_role = replica", asyncpg.InsufficientPrivilegeError),
        ("DROP TRIGGER person_audit_event_append_only ON person_audit_event", asyncpg.InsufficientPrivilegeError),
        ("ALTER TABLE person_audit_event OWNER TO CURRENT_USER", asyncpg.InsufficientPrivilegeError),
        ("CREATE TABLE elsewhere (id int)", asyncpg.InsufficientPrivilegeError),
        ("TRUNCATE person", asyncpg.InsufficientPrivilegeError),
    ],
)
async def test_the_runtime_role_cannot_change_the_audit_log_even_around_its_trigger(
    as_runtime: asyncpg.Connection, statement: str, refusal: type[Exception]
) -> None:
    await as_runtime.execute(AUDIT_ROW)
    with pytest.raises(refusal):
        await as_runtime.execute(statement)
    assert await as_runtime.fetchval("SELECT count(*) FROM person_audit_event") == 1


async def test_the_runtime_role_appends_to_and_reads_the_log_and_changes_its_other_tables(
    as_runtime: asyncpg.Connection,
) -> None:
    await as_runtime.execute(AUDIT_ROW)
    assert await as_runtime.fetchval("SELECT actor_organisation FROM person_audit_event") == "RR8"
    await as_runtime.execute(
        "INSERT INTO match_request (source_organisation, request_id, outcome) VALUES ('RR8', 'r-1', 'no-match')"
    )
    await as_runtime.execute("UPDATE match_request SET outcome = 'match'")
    await as_runtime.execute("DELETE FROM match_request")
    powers = await as_runtime.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    assert (powers["rolsuper"], powers["rolbypassrls"]) == (False, False)
    owners = await as_runtime.fetchval(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
    )
    assert owners == 0


async def test_migrating_again_keeps_the_grants_as_they_should_be(prepared: Prepared) -> None:
    owner = await asyncpg.connect(asyncpg_dsn(prepared.owner_url))
    role = prepared.runtime_url.split("//", 1)[1].split(":", 1)[0]
    try:
        await owner.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON person_audit_event TO "{role}"')  # a drift
    finally:
        await owner.close()
    await prepare_database(SCHEMA, owner_url=prepared.owner_url, runtime_url=prepared.runtime_url)
    runtime = await asyncpg.connect(asyncpg_dsn(prepared.runtime_url))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await runtime.execute("DELETE FROM person_audit_event")
    finally:
        await runtime.close()
