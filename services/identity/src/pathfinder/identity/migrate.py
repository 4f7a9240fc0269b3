"""``python -m pathfinder.identity.migrate``: bring the database to the latest schema."""

from pathfinder.identity.settings import IdentitySettings
from pathfinder.persistence.migrations import run_migrations_process

if __name__ == "__main__":
    run_migrations_process("pathfinder.identity:migrations", IdentitySettings().database_url)
