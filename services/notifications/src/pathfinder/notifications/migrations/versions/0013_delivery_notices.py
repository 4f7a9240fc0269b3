"""The dispatcher wakes when a webhook or rest-hook delivery is made, rather than at its next poll: a trigger
notifies ``la_delivery_due`` (``adapters.tables.LA_DELIVERY_DUE_CHANNEL``) when a pending delivery is inserted,
delivered to listeners when the transaction commits.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION notifications_la_delivery_due() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('la_delivery_due', '');
            RETURN NULL;
        END $$
        """
    )
    # Per row, so that only pending deliveries notify (a Kafka delivery is delivered as it is made); PostgreSQL
    # sends one notice per transaction however many rows notified.
    op.execute(
        """
        CREATE TRIGGER la_delivery_due AFTER INSERT ON la_delivery
        FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION notifications_la_delivery_due()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER la_delivery_due ON la_delivery")
    op.execute("DROP FUNCTION notifications_la_delivery_due()")
