"""Replays split into shards, each with its own cursor; a replay asked before keeps its progress as its one shard.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "replay_shard",
        sa.Column(
            "replay_id",
            postgresql.UUID(as_uuid=True),
            sa.ForeignKey("replay.replay_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("shard", sa.SmallInteger(), primary_key=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("sent", sa.BigInteger(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("events_per_second", sa.Float(), nullable=False),
    )
    op.create_index("replay_shard_waiting", "replay_shard", ["updated_at"], postgresql_where=sa.text("NOT done"))
    op.execute(
        "INSERT INTO replay_shard (replay_id, shard, cursor, sent, done, updated_at, events_per_second) "
        "SELECT replay_id, 0, cursor, sent, status = 'done', updated_at, events_per_second FROM replay"
    )
    for column in ("cursor", "sent", "events_per_second"):
        op.drop_column("replay", column)


def downgrade() -> None:
    op.add_column("replay", sa.Column("cursor", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("replay", sa.Column("sent", sa.BigInteger(), nullable=False, server_default="0"))
    op.add_column("replay", sa.Column("events_per_second", sa.Float(), nullable=False, server_default="0"))
    # One cursor again: the least of the shards' (a replay of several shards may send again what some had sent).
    op.execute(
        "UPDATE replay SET cursor = shards.cursor, sent = shards.sent, events_per_second = shards.rate "
        "FROM (SELECT replay_id, min(cursor) AS cursor, sum(sent) AS sent, sum(events_per_second) AS rate "
        "FROM replay_shard GROUP BY replay_id) AS shards WHERE shards.replay_id = replay.replay_id"
    )
    for column in ("cursor", "sent", "events_per_second"):
        op.alter_column("replay", column, server_default=None)
    op.drop_table("replay_shard")
