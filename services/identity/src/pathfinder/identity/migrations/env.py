from pathfinder.messaging.schema import messaging_metadata
from pathfinder.persistence.migrations import run_alembic_env

run_alembic_env([messaging_metadata])
