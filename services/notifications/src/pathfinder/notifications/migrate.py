"""``python -m pathfinder.notifications.migrate``: bring the database to the latest schema."""

from pathfinder.notifications.settings import NotificationsSettings
from pathfinder.persistence.migrations import run_migrations_process

if __name__ == "__main__":
    run_migrations_process("pathfinder.notifications:migrations", NotificationsSettings().database_url)
