"""``python -m pathfinder.ehcp.migrate``: bring the database to the latest schema as the owner of its tables
(``PATHFINDER_EHCP_MIGRATIONS_DATABASE_URL``), then grant the role the service runs as
(``PATHFINDER_EHCP_DATABASE_URL``) what it needs."""

from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.persistence.migrations import ServiceSchema, run_migrations_process

SCHEMA = ServiceSchema("pathfinder.ehcp:migrations")

if __name__ == "__main__":
    settings = EhcpSettings()
    run_migrations_process(
        SCHEMA, database_url=settings.database_url, migrations_database_url=settings.migrations_database_url
    )
