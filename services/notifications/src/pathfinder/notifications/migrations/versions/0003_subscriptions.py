"""LA subscriptions, their deliveries, delivery receipts and acknowledgements.

Revision ID: 0003_subscriptions
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pathfinder.notifications.adapters.subscription_tables import (
    la_acknowledgement,
    la_delivery,
    la_delivery_receipt,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision: str = "0003_subscriptions"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# la_subscription as this revision made it (0006 seals its secrets), not as the adapters describe it now.
la_subscription = sa.Table(
    "la_subscription",
    sa.MetaData(),
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("la_code", sa.String(3), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("event_types", ARRAY(sa.Text), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("endpoint", sa.Text),
    sa.Column("allowed_hosts", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("secrets", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("headers", JSONB, nullable=False, server_default="{}"),
    sa.Column("heartbeat_seconds", sa.Integer),
    sa.Column("events_since_start", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("paused_at", sa.DateTime(timezone=True)),
    sa.Column("last_sent_at", sa.DateTime(timezone=True)),
    sa.Index("la_subscription_one_kafka", "la_code", unique=True, postgresql_where=sa.text("channel = 'kafka'")),
)

TABLES = (la_subscription, la_delivery, la_delivery_receipt, la_acknowledgement)


def upgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        table.create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for table in reversed(TABLES):
        table.drop(connection)
