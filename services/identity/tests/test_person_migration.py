# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Migration 0003_person_index creates exactly the tables the person adapters describe, beside the other
branches of identity's schema, and comes down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from pathfinder.identity.persons.adapters.tables import person_metadata
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, schema_differences, upgrade_to_head
from sqlalchemy import text
from sqlalchemy.engine import Connection

SCRIPTS = "pathfinder.identity:migrations"


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
            assert await connection.run_sync(schema_differences, person_metadata) == []
            heads = set((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
            assert heads == {ScriptDirectory.from_config(alembic_config(SCRIPTS)).get_current_head()}, "one head"
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_access_only)
        async with engine.connect() as connection:
            left = await connection.execute(text("SELECT to_regclass('person'), to_regclass('person_audit_event')"))
            assert left.one() == (None, None)
    finally:
        await engine.dispose()
