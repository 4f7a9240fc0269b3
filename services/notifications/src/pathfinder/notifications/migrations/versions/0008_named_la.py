"""The LA a sender named, kept beside the responsible LA, which identity owns once it has named the child.

Rows carried across get the responsible LA as the one named: before this revision the two were the same.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("early_years_notification", sa.Column("named_la", sa.String(3)))
    op.execute("UPDATE early_years_notification SET named_la = responsible_la")


def downgrade() -> None:
    op.drop_column("early_years_notification", "named_la")
