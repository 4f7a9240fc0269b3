"""Alembic migrations run from code, so the platform command, tests and deploy jobs share one path.

Each service keeps its Alembic scripts inside its package (``pathfinder.<service>:migrations``) and its
``env.py`` calls :func:`run_alembic_env`; the connection comes from :func:`upgrade_to_head` when run from
code, or from the ``sqlalchemy.url`` option when run by the ``alembic`` command.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from pathfinder.persistence.database import create_engine, sqlalchemy_url
from pathfinder.persistence.runtime_role import grant_runtime_role
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# Serialises concurrent upgrades of one database (several replicas starting at once).
_MIGRATION_LOCK_KEY = 0x5041_5448_4D49_47  # "PATHMIG"


def alembic_config(script_location: str, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    if url is not None:
        config.set_main_option("sqlalchemy.url", sqlalchemy_url(url))
    return config


async def upgrade_to_head(script_location: str, url: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            await connection.run_sync(_upgrade, alembic_config(script_location))
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def run_alembic_env(target_metadata: MetaData | Sequence[MetaData]) -> None:
    """The body of every service's ``env.py``."""
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection, target_metadata)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("set sqlalchemy.url (alembic -x or alembic.ini) or run through upgrade_to_head()")
    asyncio.run(_run_online(url, target_metadata))


async def _run_online(url: str, target_metadata: MetaData | Sequence[MetaData]) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_on, target_metadata)
    finally:
        await engine.dispose()


def _run_on(connection: Connection, /, target_metadata: MetaData | Sequence[MetaData], **options: Any) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, **options)
    with context.begin_transaction():
        context.run_migrations()


@dataclass(frozen=True)
class ServiceSchema:
    """A service's Alembic scripts (``pathfinder.<service>:migrations``) and the tables its runtime role may only
    append to and read (see :mod:`pathfinder.persistence.runtime_role`)."""

    migrations: str
    append_only: tuple[str, ...] = ()


async def prepare_database(schema: ServiceSchema, *, owner_url: str, runtime_url: str) -> None:
    """Migrate as the owner, then grant the runtime role ``runtime_url`` names what the service needs."""
    await upgrade_to_head(schema.migrations, owner_url)
    await grant_runtime_role(owner_url, runtime_url, append_only=schema.append_only)


def run_migrations_process(schema: ServiceSchema, *, database_url: str, migrations_database_url: str | None) -> None:
    """The body of every service's ``migrate`` module: ``migrations_database_url`` is the owner's, and
    ``database_url`` the runtime role's the service runs with."""
    if migrations_database_url is None:
        log.warning(
            "no migrations database URL: migrating as the role the service runs with, which then owns its tables "
            "and could change them at will (append-only ones included); set <SERVICE>_MIGRATIONS_DATABASE_URL"
        )
        asyncio.run(upgrade_to_head(schema.migrations, database_url))
        return
    asyncio.run(prepare_database(schema, owner_url=migrations_database_url, runtime_url=database_url))


def schema_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    """What the migrated database and ``metadata`` disagree on (Alembic's autogenerate comparison), looking
    only at ``metadata``'s tables: tests show that a service's migrations build what its adapters describe."""

    def described(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in metadata.tables

    migration_context = MigrationContext.configure(connection, opts={"include_object": described})
    return list(compare_metadata(migration_context, metadata))
