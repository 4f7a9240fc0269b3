"""Creating a service's database on a server the platform administers (embedded or a dev server)."""

from __future__ import annotations

import asyncpg
from pathfinder.persistence.database import asyncpg_dsn, database_name, with_database


async def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if it does not exist yet; True when it was created."""
    name = database_name(url)
    admin = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        # Identifiers cannot be bound as parameters; quote_ident-equivalent via format('%I').
        statement = await admin.fetchval("SELECT format('CREATE DATABASE %I', $1::text)", name)
        await admin.execute(statement)
        return True
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    name = database_name(url)
    admin = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        statement = await admin.fetchval("SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', $1::text)", name)
        await admin.execute(statement)
    finally:
        await admin.close()
