"""``python -m pathfinder.event_history.migrate``: bring the database to the latest schema as the owner of its
tables (``PATHFINDER_EVENT_HISTORY_MIGRATIONS_DATABASE_URL``), then grant the role the service runs as
(``PATHFINDER_EVENT_HISTORY_DATABASE_URL``) what it needs. The audit log is append-only: the role the service
runs as may add to it and read it, never change it."""

from pathfinder.event_history.settings import EventHistorySettings
from pathfinder.persistence.migrations import ServiceSchema, run_migrations_process

SCHEMA = ServiceSchema("pathfinder.event_history:migrations", append_only=("event_audit",))

if __name__ == "__main__":
    settings = EventHistorySettings()
    run_migrations_process(
        SCHEMA, database_url=settings.database_url, migrations_database_url=settings.migrations_database_url
    )
