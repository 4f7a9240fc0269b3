"""The responsible LA has one owner (docs/decisions/0007-responsible-la.md): a review kind for a new child whose
named LA and postcode's LA disagree, decided by the platform (no deciding LA), and contested links: an
identifier another LA's child holds, kept for the LA that supplied it but never found or matched on.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "match_review", sa.Column("kind", sa.String(16), nullable=False, server_default=sa.text("'possible-match'"))
    )
    op.alter_column("match_review", "responsible_la", nullable=True)
    op.create_check_constraint(
        "match_review_kind_known", "match_review", "kind IN ('possible-match', 'responsible-la')"
    )
    op.create_check_constraint(
        "match_review_who_decides", "match_review", "(kind = 'possible-match') = (responsible_la IS NOT NULL)"
    )
    op.add_column("person_link", sa.Column("contested", sa.Boolean, nullable=False, server_default=sa.text("false")))


def downgrade() -> None:
    # Neither a pending responsible-LA review nor a contested link has an earlier form: decide or unlink them first.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM match_review WHERE kind <> 'possible-match' AND status = 'pending') "
        "OR EXISTS (SELECT 1 FROM person_link WHERE contested AND unlinked_at IS NULL AND sealed_value IS NOT NULL) "
        "THEN RAISE EXCEPTION 'pending responsible-LA reviews or contested links exist'; END IF; END $$"
    )
    op.drop_column("person_link", "contested")
    op.drop_constraint("match_review_who_decides", "match_review", type_="check")
    op.drop_constraint("match_review_kind_known", "match_review", type_="check")
    op.execute(
        "UPDATE match_review r SET responsible_la = p.responsible_la FROM person p "
        "WHERE r.responsible_la IS NULL AND p.person_id = r.decided_person_id"
    )
    op.alter_column("match_review", "responsible_la", nullable=False)
    op.drop_column("match_review", "kind")
