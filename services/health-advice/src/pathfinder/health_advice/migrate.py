"""``python -m pathfinder.health_advice.migrate``: bring the database to the latest schema."""

from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.persistence.migrations import run_migrations_process

if __name__ == "__main__":
    run_migrations_process("pathfinder.health_advice:migrations", HealthAdviceSettings().database_url)
