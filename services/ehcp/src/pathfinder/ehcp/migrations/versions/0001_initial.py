"""Child cases with early-years notices, and the messaging tables.

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

# As this revision made them: later revisions change the tables, so they cannot come from the adapters' metadata.
metadata = sa.MetaData()
sa.Table(
    "child_case",
    metadata,
    sa.Column("person_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("responsible_la", sa.String(3), nullable=False, index=True),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)
sa.Table(
    "early_years_notice",
    metadata,
    sa.Column("notification_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("person_id", UUID(as_uuid=True), sa.ForeignKey("child_case.person_id"), nullable=False, index=True),
    sa.Column("notifying_organisation", sa.String(10), nullable=False),
    sa.Column("opinion_formed_on", sa.Date, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


def upgrade() -> None:
    connection = op.get_bind()
    install_messaging_schema_v1(connection)
    metadata.create_all(connection)


def downgrade() -> None:
    connection = op.get_bind()
    metadata.drop_all(connection)
    remove_messaging_schema_v1(connection)
