"""LA subscriptions' webhook secrets and rest-hook header values sealed (AES-256-GCM) instead of plaintext.

Existing plaintext values are sealed here with the key of ``PATHFINDER_LA_DELIVERY_SECRETS_KEY``; without that
setting the upgrade refuses to run while any subscription holds a secret, as it would otherwise lose them. The
downgrade opens them again with the same key.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

import base64
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from pathfinder.notifications.settings import LaDeliverySettings
from pathfinder.persistence.sealing import SecretSealer
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "la_subscription"
# As SubscriptionSecrets seals them at this revision; a later change of these needs a migration of its own.
KEY_ID_PREFIX = "pathfinder-la-delivery-secrets:"


def _secret_purpose(subscription_id: Any) -> str:
    return f"la_subscription:{subscription_id}:webhook-secret"


def _header_purpose(subscription_id: Any, name: str) -> str:
    return f"la_subscription:{subscription_id}:header:{name}"


subscription = sa.table(
    TABLE,
    sa.column("id", UUID(as_uuid=True)),
    sa.column("secrets", ARRAY(sa.Text)),
    sa.column("headers", JSONB),
    sa.column("sealed_secrets", ARRAY(sa.LargeBinary)),
    sa.column("sealed_headers", JSONB),
    sa.column("secrets_key_id", sa.String(32)),
)


def _sealer(doing: str) -> SecretSealer:
    key = LaDeliverySettings().secrets_key
    if key is None:
        raise RuntimeError(
            f"{doing}: LA subscriptions hold webhook secrets or rest-hook headers, and "
            "PATHFINDER_LA_DELIVERY_SECRETS_KEY is not set. Set it to the key the service will run with "
            "(32 random bytes, base64url) and migrate again."
        )
    return SecretSealer.from_text(key.get_secret_value(), key_id_prefix=KEY_ID_PREFIX)


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("sealed_secrets", ARRAY(sa.LargeBinary), nullable=False, server_default="{}"))
    op.add_column(TABLE, sa.Column("sealed_headers", JSONB, nullable=False, server_default="{}"))
    op.add_column(TABLE, sa.Column("secrets_key_id", sa.String(32)))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(subscription.c.id, subscription.c.secrets, subscription.c.headers).where(
            sa.or_(subscription.c.secrets != sa.text("'{}'"), subscription.c.headers != sa.text("'{}'"))
        )
    ).all()
    if rows:
        sealer = _sealer("cannot seal the existing secrets")
        for row in rows:
            connection.execute(
                sa.update(subscription)
                .where(subscription.c.id == row.id)
                .values(
                    sealed_secrets=[sealer.seal(_secret_purpose(row.id), secret.encode()) for secret in row.secrets],
                    sealed_headers={
                        name: base64.b64encode(sealer.seal(_header_purpose(row.id, name), value.encode())).decode()
                        for name, value in row.headers.items()
                    },
                    secrets_key_id=sealer.key_id,
                )
            )
    op.drop_column(TABLE, "secrets")
    op.drop_column(TABLE, "headers")


def downgrade() -> None:
    op.add_column(TABLE, sa.Column("secrets", sa.ARRAY(sa.Text), nullable=False, server_default="{}"))
    op.add_column(TABLE, sa.Column("headers", JSONB, nullable=False, server_default="{}"))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(subscription.c.id, subscription.c.sealed_secrets, subscription.c.sealed_headers).where(
            subscription.c.secrets_key_id.is_not(None)
        )
    ).all()
    if rows:
        sealer = _sealer("cannot open the sealed secrets")
        for row in rows:
            connection.execute(
                sa.update(subscription)
                .where(subscription.c.id == row.id)
                .values(
                    secrets=[
                        sealer.open(_secret_purpose(row.id), bytes(sealed)).decode() for sealed in row.sealed_secrets
                    ],
                    headers={
                        name: sealer.open(_header_purpose(row.id, name), base64.b64decode(sealed)).decode()
                        for name, sealed in row.sealed_headers.items()
                    },
                )
            )
    op.drop_column(TABLE, "secrets_key_id")
    op.drop_column(TABLE, "sealed_headers")
    op.drop_column(TABLE, "sealed_secrets")
