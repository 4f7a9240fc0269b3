"""The role a service runs as: not the one that owns its tables.

A table's owner may do anything to it, ``ALTER TABLE ... DISABLE TRIGGER`` included, so a trigger that keeps a
log append-only protects nothing from a service connected as the owner. Migrations therefore run as the owner
and every service process as a runtime login role, which :func:`grant_runtime_role` (run by each service's
``migrate`` after the migrations) creates when missing and grants exactly this:

- ``CONNECT`` on the database and ``USAGE`` on the ``public`` schema (no ``CREATE``: it changes no schema);
- ``SELECT, INSERT, UPDATE, DELETE`` on the service's tables (never ``TRUNCATE``), and on the tables named
  append-only only ``SELECT, INSERT``; ``SELECT`` on Alembic's version table; ``USAGE, SELECT`` on sequences.

Grants are revoked and given again every time, in one transaction, so a table added or made append-only by a
later migration gets what it should. The role must be neither superuser nor able to bypass row security, nor
able to act as any table's owner (a member of the owner's role): then it is refused, not granted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import asyncpg
from pathfinder.persistence.database import asyncpg_dsn

ALEMBIC_VERSION = "alembic_version"


class RuntimeRoleRefused(RuntimeError):
    pass


@dataclass(frozen=True)
class RuntimeRole:
    name: str
    password: str | None

    @classmethod
    def named_in(cls, url: str) -> RuntimeRole:
        """The login role (and its password, if given) of the URL a service runs with."""
        parts = urlsplit(url)
        if not parts.username:
            raise RuntimeRoleRefused("the service's database URL names no role to run as")
        return cls(unquote(parts.username), unquote(parts.password) if parts.password else None)


async def grant_runtime_role(owner_url: str, runtime_url: str, *, append_only: Collection[str] = ()) -> RuntimeRole:
    """Create (if missing) and grant the role ``runtime_url`` names, connected as the owner of the tables."""
    role = RuntimeRole.named_in(runtime_url)
    owner = await asyncpg.connect(asyncpg_dsn(owner_url))
    try:
        if role.name == await owner.fetchval("SELECT current_user"):
            raise RuntimeRoleRefused(f"the service would run as {role.name}, who owns its tables: name another role")
        async with owner.transaction():
            await _ensure_role(owner, role)
            await _refuse_powers(owner, role.name)
            await _grant(owner, role.name, sorted(append_only))
    finally:
        await owner.close()
    return role


async def _sql(connection: asyncpg.Connection, template: str, *values: str | None) -> None:
    """Run ``template`` with identifiers (%I) and literals (%L) quoted by PostgreSQL's own ``format``."""
    arguments = "".join(f", ${number}::text" for number in range(2, len(values) + 2))
    statement = await connection.fetchval(f"SELECT format($1::text{arguments})", template, *values)
    await connection.execute(statement)


async def _ensure_role(connection: asyncpg.Connection, role: RuntimeRole) -> None:
    if await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role.name):
        return
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
    try:
        await _sql(connection, f"CREATE ROLE %I {attributes} PASSWORD %L", role.name, role.password)
    except asyncpg.InsufficientPrivilegeError:
        raise RuntimeRoleRefused(
            f"the role {role.name} does not exist and the owner may not create it: create it first "
            "(CREATE ROLE ... LOGIN PASSWORD ...; see deploy/README.md)"
        ) from None


async def _refuse_powers(connection: asyncpg.Connection, name: str) -> None:
    powers = await connection.fetchrow("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", name)
    if powers["rolsuper"] or powers["rolbypassrls"]:
        raise RuntimeRoleRefused(f"the runtime role {name} is a superuser or bypasses row security")
    owners = await connection.fetch(
        "SELECT DISTINCT tableowner FROM pg_tables "
        "WHERE schemaname = 'public' AND pg_has_role($1, tableowner, 'MEMBER')",
        name,
    )
    if owners:
        raise RuntimeRoleRefused(f"the runtime role {name} can act as {owners[0]['tableowner']}, who owns tables")


async def _grant(connection: asyncpg.Connection, name: str, append_only: list[str]) -> None:
    rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = {row["tablename"] for row in rows}
    unknown = sorted(set(append_only) - tables)
    if unknown:
        raise RuntimeRoleRefused(f"no table {', '.join(unknown)} to keep append-only: is the schema migrated?")
    database = await connection.fetchval("SELECT current_database()")
    await _sql(connection, "GRANT CONNECT ON DATABASE %I TO %I", database, name)
    await _sql(connection, "GRANT USAGE ON SCHEMA public TO %I", name)
    await _sql(connection, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I", name)
    await _sql(connection, "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I", name)
    for table in sorted(tables):
        await _sql(connection, f"GRANT {_privileges(table, append_only)} ON TABLE %I TO %I", table, name)
    await _sql(connection, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I", name)


def _privileges(table: str, append_only: list[str]) -> str:
    if table == ALEMBIC_VERSION:
        return "SELECT"
    return "SELECT, INSERT" if table in append_only else "SELECT, INSERT, UPDATE, DELETE"
