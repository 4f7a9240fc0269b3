"""The worker asks identity as soon as a notification waiting for it is committed: a trigger notifies
``notification_awaits_identity`` (``adapters.tables.AWAITING_IDENTITY_CHANNEL``) when one is inserted, delivered to
listeners when the transaction commits. The request that submitted it no longer asks identity itself, so the
notification keeps the request's trace context and correlation id (``request_context``) for the worker to
continue (ADR 0014).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("early_years_notification", sa.Column("request_context", JSONB))
    op.execute(
        """
        CREATE FUNCTION notifications_awaiting_identity() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('notification_awaits_identity', '');
            RETURN NULL;
        END $$
        """
    )
    # Per row, so that a rejected notification does not wake the worker; PostgreSQL sends one notice per
    # transaction however many rows notified (a bulk batch of 500 wakes it once).
    op.execute(
        """
        CREATE TRIGGER notification_awaits_identity AFTER INSERT ON early_years_notification
        FOR EACH ROW WHEN (NEW.status = 'awaiting-identity') EXECUTE FUNCTION notifications_awaiting_identity()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER notification_awaits_identity ON early_years_notification")
    op.execute("DROP FUNCTION notifications_awaiting_identity()")
    op.drop_column("early_years_notification", "request_context")
