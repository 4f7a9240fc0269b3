"""Join the inbound and subscriptions branches: one head again.

Revision ID: 0004
Revises: 0002_inbound, 0003_subscriptions
Create Date: 2026-11-23
"""

from collections.abc import Sequence

revision: str = "0004"
down_revision: str | Sequence[str] | None = ("0002_inbound", "0003_subscriptions")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
