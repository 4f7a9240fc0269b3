# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Migration 0002_access creates exactly the tables the access adapters describe, with the platform in them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pathfinder.identity.access.testing import migrated_identity_database
from pathfinder.identity.adapters.access_tables import access_metadata, organisation
from pathfinder.persistence.database import create_engine
from sqlalchemy import select
from sqlalchemy.engine import Connection


def _access_objects(obj: Any, name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in access_metadata.tables


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"include_object": _access_objects})
    return list(compare_metadata(context, access_metadata))


async def test_the_migration_matches_the_tables(fresh_database) -> None:
    engine = create_engine(await migrated_identity_database(await fresh_database("identity_migration")), pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            platform = (await connection.execute(select(organisation))).one()
        assert (platform.code, platform.role, platform.active) == ("pathfinder", "platform", True)
    finally:
        await engine.dispose()
