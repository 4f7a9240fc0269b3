"""A keyed digest of the record each remembered match request carried, so that a request id used again for
another record is refused rather than answered with the first record's child.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("match_request", sa.Column("record_digest", sa.LargeBinary))


def downgrade() -> None:
    op.drop_column("match_request", "record_digest")
