"""Early-years notifications and the messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op
from pathfinder.messaging.schema import install_messaging_schema_v1, remove_messaging_schema_v1
from pathfinder.notifications.adapters.tables import early_years_notification

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    install_messaging_schema_v1(connection)
    early_years_notification.create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    early_years_notification.drop(connection)
    remove_messaging_schema_v1(connection)
