"""The messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op
from pathfinder.messaging.schema import install_messaging_schema_v1, remove_messaging_schema_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_messaging_schema_v1(op.get_bind())


def downgrade() -> None:
    remove_messaging_schema_v1(op.get_bind())
