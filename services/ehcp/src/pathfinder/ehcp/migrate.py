"""``python -m pathfinder.ehcp.migrate``: bring the database to the latest schema."""

from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.persistence.migrations import run_migrations_process

if __name__ == "__main__":
    run_migrations_process("pathfinder.ehcp:migrations", EhcpSettings().database_url)
