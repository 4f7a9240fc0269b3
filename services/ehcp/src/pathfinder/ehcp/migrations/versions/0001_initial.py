"""Child cases with early-years notices, and the messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op
from pathfinder.ehcp.adapters.tables import metadata
from pathfinder.messaging.schema import install_messaging_schema_v1, remove_messaging_schema_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    install_messaging_schema_v1(connection)
    metadata.create_all(connection)


def downgrade() -> None:
    connection = op.get_bind()
    metadata.drop_all(connection)
    remove_messaging_schema_v1(connection)
