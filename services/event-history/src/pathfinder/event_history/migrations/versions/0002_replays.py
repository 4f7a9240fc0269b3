"""Replays of archived events, and the redrives of dead letters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay",
        sa.Column("replay_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("slice", postgresql.JSONB(), nullable=False),
        sa.Column("target_kind", sa.String(20), nullable=False),
        sa.Column("target_topic", sa.String(249)),
        sa.Column("target_group", sa.String(249)),
        sa.Column("target_subscription_id", postgresql.UUID(as_uuid=True)),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("last_position", sa.BigInteger(), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("sent", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("events_per_second", sa.Float(), nullable=False),
        sa.Column("offsets", postgresql.JSONB(), nullable=False),
    )
    op.create_index("replay_running", "replay", ["updated_at"], postgresql_where=sa.text("status = 'running'"))
    op.create_index("replay_organisation", "replay", ["organisation", "started_at"])
    op.create_table(
        "dead_letter_redrive",
        sa.Column(
            "position",
            sa.BigInteger(),
            sa.ForeignKey("archived_event.position", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dead_letter_redrive")
    op.drop_table("replay")
