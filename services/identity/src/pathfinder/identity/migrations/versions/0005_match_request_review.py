"""Match answers found by their review, so that a decision updates the answers that named it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "match_request_review", "match_request", ["review_id"], postgresql_where=sa.text("review_id IS NOT NULL")
    )
    # Reviews decided before this revision: their answers still named only the review.
    op.execute(
        "UPDATE match_request SET outcome = CASE r.status WHEN 'same-person' THEN 'match' ELSE 'no-match' END, "
        "person_id = r.decided_person_id FROM match_review r "
        "WHERE match_request.review_id = r.review_id AND r.status <> 'pending'"
    )


def downgrade() -> None:
    op.drop_index("match_request_review", table_name="match_request")
