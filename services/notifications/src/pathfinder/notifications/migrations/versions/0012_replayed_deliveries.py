"""Replays to one LA subscription (ADR 0011): a delivery may be an event sent again by a replay, named in
``la_delivery.replay_id``. An event is still delivered once per subscription, and once more per replay of it:
the unique key ``la_delivery_once`` holds for first deliveries only, ``la_delivery_replay_once`` for replays.

Coming down forgets the replayed deliveries: the old key cannot hold a second delivery of an event.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "la_delivery"


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("replay_id", UUID(as_uuid=True)))
    op.drop_constraint("la_delivery_once", TABLE, type_="unique")
    op.create_index(
        "la_delivery_once",
        TABLE,
        ["subscription_id", "event_id"],
        unique=True,
        postgresql_where=sa.text("replay_id IS NULL"),
    )
    op.create_index(
        "la_delivery_replay_once",
        TABLE,
        ["replay_id", "subscription_id", "event_id"],
        unique=True,
        postgresql_where=sa.text("replay_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("la_delivery_replay_once", TABLE)
    op.drop_index("la_delivery_once", TABLE)
    op.execute(sa.text(f"DELETE FROM {TABLE} WHERE replay_id IS NOT NULL"))
    op.create_unique_constraint("la_delivery_once", TABLE, ["subscription_id", "event_id"])
    op.drop_column(TABLE, "replay_id")
