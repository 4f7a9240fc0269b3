"""``python -m pathfinder.identity.migrate``: bring the database to the latest schema as the owner of its tables
(``PATHFINDER_IDENTITY_MIGRATIONS_DATABASE_URL``), then grant the role the service runs as
(``PATHFINDER_IDENTITY_DATABASE_URL``) what it needs.

The person audit log is append-only: the role the service runs as may add to it and read it, never change it."""

from pathfinder.identity.settings import IdentitySettings
from pathfinder.persistence.migrations import ServiceSchema, run_migrations_process

SCHEMA = ServiceSchema("pathfinder.identity:migrations", append_only=("person_audit_event",))

if __name__ == "__main__":
    settings = IdentitySettings()
    run_migrations_process(
        SCHEMA, database_url=settings.database_url, migrations_database_url=settings.migrations_database_url
    )
