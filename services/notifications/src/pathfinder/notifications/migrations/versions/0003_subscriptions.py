"""LA subscriptions, their deliveries, delivery receipts and acknowledgements.

Revision ID: 0003_subscriptions
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
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

la_delivery = sa.Table(
    "la_delivery",
    la_subscription.metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column(
        "subscription_id", UUID(as_uuid=True), sa.ForeignKey(la_subscription.c.id, ondelete="CASCADE"), nullable=False
    ),
    sa.Column("event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
    sa.Column("event_number", sa.BigInteger),
    sa.Column("headers", JSONB, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.Column("response_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.UniqueConstraint("subscription_id", "event_id", name="la_delivery_once"),
    sa.Index("la_delivery_due", "next_attempt_at", postgresql_where=sa.text("state = 'pending'")),
    sa.Index(
        "la_delivery_child_queue", "subscription_id", "subject", "id", postgresql_where=sa.text("state = 'pending'")
    ),
    sa.Index("la_delivery_log", "subscription_id", "created_at"),
    sa.Index("la_delivery_number", "subscription_id", "event_number"),
)
# 0007 folds these two into the notification's own row.
la_delivery_receipt = sa.Table(
    "la_delivery_receipt",
    la_subscription.metadata,
    sa.Column("notification_id", UUID(as_uuid=True), nullable=False),
    sa.Column("subscription_id", UUID(as_uuid=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("notification_id", "subscription_id"),
)
la_acknowledgement = sa.Table(
    "la_acknowledgement",
    la_subscription.metadata,
    sa.Column("notification_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("la_code", sa.String(3), nullable=False),
    sa.Column("la_reference", sa.Text),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
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
