"""Notifications from NHS bodies: their status, idempotency keys, the postcode directory.

Revision ID: 0002_inbound
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op
from pathfinder.notifications.adapters.inbound_tables import inbound_notification, inbound_submission_key, postcode_la

revision: str = "0002_inbound"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    for table in (inbound_notification, inbound_submission_key, postcode_la):
        table.create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for table in (postcode_la, inbound_submission_key, inbound_notification):
        table.drop(connection)
