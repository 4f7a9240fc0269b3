"""A delivery put back to pending (an LA asked for redelivery of a parked one) wakes the dispatcher too, as a new
one does since 0013, rather than waiting for its next poll.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TRIGGER la_delivery_due_again AFTER UPDATE OF state ON la_delivery
        FOR EACH ROW WHEN (NEW.state = 'pending' AND OLD.state IS DISTINCT FROM 'pending')
        EXECUTE FUNCTION notifications_la_delivery_due()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER la_delivery_due_again ON la_delivery")
