# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Migration 0003_person_index creates exactly the tables the person adapters describe, beside the other
branches of identity's schema, and comes down cleanly."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pathfinder.identity.adapters.person_tables import person_metadata
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, upgrade_to_head
from sqlalchemy import text
from sqlalchemy.engine import Connection

SCRIPTS = "pathfinder.identity:migrations"


def _person_objects(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in person_metadata.tables


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"include_object": _person_objects})
    return list(compare_metadata(context, person_metadata))


def _down_to_access_only(connection: Connection) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    command.downgrade(config, "0002_access")  # undoes the merge: both branches are heads again
    command.downgrade(config, "0003_person_index@0001")


async def test_the_migration_matches_the_tables_and_comes_down(fresh_database) -> None:
    url = await fresh_database("person_migration")
    await upgrade_to_head(SCRIPTS, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            heads = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
            assert heads == {"0004"}
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_access_only)
        async with engine.connect() as connection:
            left = await connection.execute(text("SELECT to_regclass('person'), to_regclass('person_audit_event')"))
            assert left.one() == (None, None)
    finally:
        await engine.dispose()
