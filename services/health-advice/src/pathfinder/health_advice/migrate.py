"""``python -m pathfinder.health_advice.migrate``: bring the database to the latest schema as the owner of its tables
(``PATHFINDER_HEALTH_ADVICE_MIGRATIONS_DATABASE_URL``), then grant the role the service runs as
(``PATHFINDER_HEALTH_ADVICE_DATABASE_URL``) what it needs."""

from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.persistence.migrations import ServiceSchema, run_migrations_process

SCHEMA = ServiceSchema("pathfinder.health_advice:migrations")

if __name__ == "__main__":
    settings = HealthAdviceSettings()
    run_migrations_process(
        SCHEMA, database_url=settings.database_url, migrations_database_url=settings.migrations_database_url
    )
