"""A case follows the person index's transfers of the child: a change of LA is a notice's or a transfer's, and the
case keeps the instant of the latest transfer (a notice from before it no longer moves the case).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANGES = "responsible_la_change"


def upgrade() -> None:
    op.add_column("child_case", sa.Column("transferred_at", sa.DateTime(timezone=True)))
    op.drop_constraint(f"{CHANGES}_pkey", CHANGES, type_="primary")
    op.add_column(CHANGES, sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False))
    op.create_primary_key(f"{CHANGES}_pkey", CHANGES, ["id"])
    op.alter_column(CHANGES, "notification_id", nullable=True)
    op.create_unique_constraint(f"{CHANGES}_notification_id_key", CHANGES, ["notification_id"])
    op.add_column(CHANGES, sa.Column("cause", sa.String(16), nullable=False, server_default=sa.text("'notice'")))
    op.create_check_constraint(
        f"{CHANGES}_cause",
        CHANGES,
        "(cause = 'notice' AND notification_id IS NOT NULL) OR (cause = 'transfer' AND notification_id IS NULL)",
    )


def downgrade() -> None:
    # Before this revision a change was a notice's only: the transfers recorded since have nowhere to go.
    op.execute(sa.text(f"DELETE FROM {CHANGES} WHERE notification_id IS NULL"))
    op.drop_constraint(f"{CHANGES}_cause", CHANGES, type_="check")
    op.drop_column(CHANGES, "cause")
    op.drop_constraint(f"{CHANGES}_notification_id_key", CHANGES, type_="unique")
    op.drop_constraint(f"{CHANGES}_pkey", CHANGES, type_="primary")
    op.drop_column(CHANGES, "id")
    op.alter_column(CHANGES, "notification_id", nullable=False)
    op.create_primary_key(f"{CHANGES}_pkey", CHANGES, ["notification_id"])
    op.drop_column("child_case", "transferred_at")
