"""Notifications from NHS bodies: their status, idempotency keys, the postcode directory.

Revision ID: 0002_inbound
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_inbound"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As this revision made them (0007 renames the key table).
inbound_submission_key = sa.Table(
    "inbound_submission_key",
    sa.MetaData(),
    sa.Column("key", sa.String(400), primary_key=True),
    sa.Column("body_hash", sa.String(64), nullable=False),
    sa.Column("notification_id", postgresql.UUID(as_uuid=True), nullable=False),
    sa.Column("status_code", sa.SmallInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
postcode_la = sa.Table(
    "postcode_la",
    sa.MetaData(),
    sa.Column("postcode", sa.String(8), primary_key=True),
    sa.Column("la_code", sa.String(3), nullable=False),
)


def upgrade() -> None:
    # Spelt out as it was at this revision: the table has changed since (0005), so it cannot come from metadata.
    op.create_table(
        "inbound_notification",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("notifying_organisation", sa.String(10), nullable=False),
        sa.Column("message_id", sa.String(256)),
        sa.Column("submission_format", sa.String(20), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("opinion_formed_on", sa.Date, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responsible_la", sa.String(3), index=True),
        sa.Column("reasons", postgresql.ARRAY(sa.String(40)), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("person_id", postgresql.UUID(as_uuid=True)),
        sa.Column("review_id", postgresql.UUID(as_uuid=True)),
        sa.Column("pending_child", postgresql.JSONB),
        sa.Column("identity_attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("next_identity_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("delivery_channel", sa.String(20)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("la_reference", sa.String(64)),
        sa.UniqueConstraint("notifying_organisation", "message_id", name="inbound_notification_message_key"),
    )
    op.create_index(
        "inbound_notification_awaiting_identity",
        "inbound_notification",
        ["next_identity_attempt_at"],
        postgresql_where=sa.text("status = 'awaiting-identity'"),
    )
    connection = op.get_bind()
    for table in (inbound_submission_key, postcode_la):
        table.create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for table in (postcode_la, inbound_submission_key):
        table.drop(connection)
    op.drop_table("inbound_notification")
