"""``python -m pathfinder.notifications.migrate``: bring the database to the latest schema as the owner of its tables
(``PATHFINDER_NOTIFICATIONS_MIGRATIONS_DATABASE_URL``), then grant the role the service runs as
(``PATHFINDER_NOTIFICATIONS_DATABASE_URL``) what it needs."""

from pathfinder.notifications.settings import NotificationsSettings
from pathfinder.persistence.migrations import ServiceSchema, run_migrations_process

SCHEMA = ServiceSchema("pathfinder.notifications:migrations")

if __name__ == "__main__":
    settings = NotificationsSettings()
    run_migrations_process(
        SCHEMA, database_url=settings.database_url, migrations_database_url=settings.migrations_database_url
    )
