# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Migration 0002_access creates exactly the tables the access adapters describe, with the platform in them."""

from __future__ import annotations

from identity_kit import migrated_identity_database
from pathfinder.identity.access.adapters.tables import access_metadata, organisation
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import schema_differences
from sqlalchemy import select


async def test_the_migration_matches_the_tables(fresh_database) -> None:
    engine = create_engine(await migrated_identity_database(await fresh_database("identity_migration")), pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, access_metadata) == []
            platform = (await connection.execute(select(organisation))).one()
        assert (platform.code, platform.role, platform.active) == ("pathfinder", "platform", True)
    finally:
        await engine.dispose()
