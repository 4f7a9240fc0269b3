"""A paused subscription resumed wakes the dispatcher too, as a delivery made (0013) or put back (0014) does: the
deliveries that queued while it was paused are due at once, not at the dispatcher's next poll.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TRIGGER la_subscription_resumed AFTER UPDATE OF status ON la_subscription
        FOR EACH ROW WHEN (NEW.status = 'active' AND OLD.status IS DISTINCT FROM 'active')
        EXECUTE FUNCTION notifications_la_delivery_due()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER la_subscription_resumed ON la_subscription")
