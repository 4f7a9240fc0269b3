from pathfinder.event_history.adapters.tables import metadata
from pathfinder.persistence.migrations import run_alembic_env

run_alembic_env(metadata)
