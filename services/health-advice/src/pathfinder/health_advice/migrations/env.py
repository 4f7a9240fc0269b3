from pathfinder.health_advice.adapters.tables import metadata
from pathfinder.messaging.schema import messaging_metadata
from pathfinder.persistence.migrations import run_alembic_env

run_alembic_env([metadata, messaging_metadata])
