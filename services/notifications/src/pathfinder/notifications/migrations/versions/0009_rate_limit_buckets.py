"""Token buckets for rate limits shared by every API process (pathfinder.persistence.token_buckets).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op
from pathfinder.persistence.token_buckets import install_token_buckets_v1, remove_token_buckets_v1

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_token_buckets_v1(op.get_bind())


def downgrade() -> None:
    remove_token_buckets_v1(op.get_bind())
