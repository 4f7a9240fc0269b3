"""Acknowledgement deadlines and identity reviews: the overdue alert's instant, and indexes for the timers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "inbound_notification"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("acknowledgement_overdue_at", sa.DateTime(timezone=True)))
    op.drop_index("inbound_notification_awaiting_identity", table_name=TABLE)
    op.create_index(
        "inbound_notification_awaiting_identity",
        TABLE,
        ["next_identity_attempt_at"],
        postgresql_where=sa.text("status IN ('awaiting-identity', 'awaiting-identity-review')"),
    )
    op.create_index(
        "inbound_notification_review", TABLE, ["review_id"], postgresql_where=sa.text("review_id IS NOT NULL")
    )
    op.create_index(
        "inbound_notification_unacknowledged", TABLE, ["delivered_at"], postgresql_where=sa.text("status = 'delivered'")
    )
    op.create_index("inbound_notification_sender", TABLE, ["notifying_organisation", "received_at"])


def downgrade() -> None:
    for index in ("inbound_notification_sender", "inbound_notification_unacknowledged", "inbound_notification_review"):
        op.drop_index(index, table_name=TABLE)
    op.drop_index("inbound_notification_awaiting_identity", table_name=TABLE)
    op.create_index(
        "inbound_notification_awaiting_identity",
        TABLE,
        ["next_identity_attempt_at"],
        postgresql_where=sa.text("status = 'awaiting-identity'"),
    )
    op.drop_column(TABLE, "acknowledgement_overdue_at")
