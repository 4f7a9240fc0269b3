"""The dispatcher's fair share of its lanes: each LA subscription notes the lease of its delivery in flight (one
at a time per endpoint) and when one was last claimed (the LA and endpoint that waited longest go next).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "la_subscription"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("sending_until", sa.DateTime(timezone=True)))
    op.add_column(TABLE, sa.Column("last_claimed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column(TABLE, "last_claimed_at")
    op.drop_column(TABLE, "sending_until")
