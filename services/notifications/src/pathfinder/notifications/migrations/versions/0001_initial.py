"""Early-years notifications and the messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pathfinder.messaging.schema import install_messaging_schema_v1, remove_messaging_schema_v1
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As this revision made it; 0007 folds it into the one notification table.
early_years_notification = sa.Table(
    "early_years_notification",
    sa.MetaData(),
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
    sa.Column("responsible_la", sa.String(3), nullable=False, index=True),
    sa.Column("notifying_organisation", sa.String(10), nullable=False),
    sa.Column("opinion_formed_on", sa.Date, nullable=False),
    sa.Column("parent_informed", sa.Boolean, nullable=False),
    sa.Column("discussion_offered", sa.Boolean, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)


def upgrade() -> None:
    connection = op.get_bind()
    install_messaging_schema_v1(connection)
    early_years_notification.create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    early_years_notification.drop(connection)
    remove_messaging_schema_v1(connection)
