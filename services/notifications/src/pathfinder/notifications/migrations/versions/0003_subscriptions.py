"""LA subscriptions, their deliveries, delivery receipts and acknowledgements.

Revision ID: 0003_subscriptions
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op
from pathfinder.notifications.adapters.subscription_tables import (
    la_acknowledgement,
    la_delivery,
    la_delivery_receipt,
    la_subscription,
)

revision: str = "0003_subscriptions"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (la_subscription, la_delivery, la_delivery_receipt, la_acknowledgement)


def upgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        table.create(connection)


def downgrade() -> None:
    connection = op.get_bind()
    for table in reversed(TABLES):
        table.drop(connection)
