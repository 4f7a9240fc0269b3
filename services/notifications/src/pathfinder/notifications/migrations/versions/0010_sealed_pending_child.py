"""The details of a child waiting for identity sealed (AES-256-GCM, bound to the notification) instead of
plaintext JSON.

Existing details are sealed here with the key of ``PATHFINDER_LA_DELIVERY_SECRETS_KEY``; without that setting
the upgrade refuses to run while any notification holds a waiting child's details, as it would otherwise lose
them. The downgrade opens them again with the same key.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from pathfinder.notifications.settings import LaDeliverySettings
from pathfinder.persistence.sealing import SecretSealer
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "early_years_notification"
# As PendingChildSealing seals them at this revision; a later change of these needs a migration of its own.
KEY_ID_PREFIX = "pathfinder-la-delivery-secrets:"


def _purpose(notification_id: Any) -> str:
    return f"early_years_notification:{notification_id}:pending-child"


notification = sa.table(
    TABLE,
    sa.column("id", UUID(as_uuid=True)),
    sa.column("pending_child", JSONB),
    sa.column("sealed_pending_child", sa.LargeBinary),
    sa.column("pending_child_key_id", sa.String(32)),
)


def _sealer(doing: str) -> SecretSealer:
    key = LaDeliverySettings().secrets_key
    if key is None:
        raise RuntimeError(
            f"{doing}: notifications hold the details of children waiting for identity, and "
            "PATHFINDER_LA_DELIVERY_SECRETS_KEY is not set. Set it to the key the service will run with "
            "(32 random bytes, base64url) and migrate again."
        )
    return SecretSealer.from_text(key.get_secret_value(), key_id_prefix=KEY_ID_PREFIX)


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("sealed_pending_child", sa.LargeBinary))
    op.add_column(TABLE, sa.Column("pending_child_key_id", sa.String(32)))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(notification.c.id, notification.c.pending_child).where(notification.c.pending_child.is_not(None))
    ).all()
    if rows:
        sealer = _sealer("cannot seal the waiting children's details")
        for row in rows:
            connection.execute(
                sa.update(notification)
                .where(notification.c.id == row.id)
                .values(
                    sealed_pending_child=sealer.seal(_purpose(row.id), json.dumps(row.pending_child).encode()),
                    pending_child_key_id=sealer.key_id,
                )
            )
    op.drop_column(TABLE, "pending_child")


def downgrade() -> None:
    op.add_column(TABLE, sa.Column("pending_child", JSONB))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(notification.c.id, notification.c.sealed_pending_child).where(
            notification.c.sealed_pending_child.is_not(None)
        )
    ).all()
    if rows:
        sealer = _sealer("cannot open the waiting children's details")
        for row in rows:
            opened = sealer.open(_purpose(row.id), bytes(row.sealed_pending_child))
            connection.execute(
                sa.update(notification).where(notification.c.id == row.id).values(pending_child=json.loads(opened))
            )
    op.drop_column(TABLE, "pending_child_key_id")
    op.drop_column(TABLE, "sealed_pending_child")
