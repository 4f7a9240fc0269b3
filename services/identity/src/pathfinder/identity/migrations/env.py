from pathfinder.identity.access.adapters.tables import access_metadata
from pathfinder.identity.persons.adapters.tables import person_metadata
from pathfinder.messaging.schema import messaging_metadata
from pathfinder.persistence.migrations import run_alembic_env

run_alembic_env([messaging_metadata, access_metadata, person_metadata])
