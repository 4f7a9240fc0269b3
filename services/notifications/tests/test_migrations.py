"""The notifications migrations build exactly the tables the adapters describe, and come down to nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from alembic import command
from pathfinder.notifications.adapters.tables import metadata
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, schema_differences, upgrade_to_head
from sqlalchemy import text
from sqlalchemy.engine import Connection

SCRIPTS = "pathfinder.notifications:migrations"


def _down_to_nothing(connection: Connection) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_the_migrations_match_the_tables_and_come_down(fresh_database: Callable[[str], Awaitable[str]]) -> None:
    url = await fresh_database("notifications_migration")
    await upgrade_to_head(SCRIPTS, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, metadata) == []
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_nothing)
        async with engine.connect() as connection:
            left = await connection.execute(
                text(
                    "SELECT to_regclass('inbound_notification'), to_regclass('early_years_notification'),"
                    " to_regclass('la_delivery')"
                )
            )
            assert left.one() == (None, None, None)
    finally:
        await engine.dispose()
