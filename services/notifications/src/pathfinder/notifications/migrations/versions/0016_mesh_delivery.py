"""LA delivery by MESH: the platform mailbox each MESH message went from (MESH tracks a message only for its
sender), and subscriptions to the delivered-to-LA event moved to its v2 (v2 adds the channel ``mesh``; v1 is
no longer an event type an LA may subscribe to).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DELIVERED_TO_LA = "pathfinder.notifications.early-years-notification-delivered-to-la"
_MOVE = sa.text("UPDATE la_subscription SET event_types = array_replace(event_types, :old, :new)")


def upgrade() -> None:
    op.add_column("la_delivery", sa.Column("mesh_sender", sa.String(20)))
    op.get_bind().execute(_MOVE, {"old": f"{DELIVERED_TO_LA}.v1", "new": f"{DELIVERED_TO_LA}.v2"})


def downgrade() -> None:
    op.get_bind().execute(_MOVE, {"old": f"{DELIVERED_TO_LA}.v2", "new": f"{DELIVERED_TO_LA}.v1"})
    op.drop_column("la_delivery", "mesh_sender")
