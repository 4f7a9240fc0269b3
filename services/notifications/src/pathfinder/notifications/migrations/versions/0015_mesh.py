"""MESH: the mailboxes the platform knows (its own, with their passwords sealed, and its partners'), an LA
subscription's MESH content, and what MESH's tracking says of each delivery sent by MESH.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mesh_mailbox",
        sa.Column("mailbox_id", sa.String(20), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(10), nullable=False),
        sa.Column("workflow_ids", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("sealed_password", sa.LargeBinary),
        sa.Column("secrets_key_id", sa.String(32)),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mesh_mailbox_organisation", "mesh_mailbox", ["organisation"])
    op.add_column("la_subscription", sa.Column("mesh_content", sa.String(20)))
    op.add_column("la_delivery", sa.Column("mesh_message_id", sa.Text))
    op.add_column("la_delivery", sa.Column("mesh_status", sa.String(20)))
    op.add_column("la_delivery", sa.Column("mesh_checked_at", sa.DateTime(timezone=True)))
    op.create_index(
        "la_delivery_mesh_tracking",
        "la_delivery",
        ["mesh_checked_at"],
        postgresql_where=sa.text("mesh_message_id IS NOT NULL AND mesh_status IS DISTINCT FROM 'acknowledged'"),
    )


def downgrade() -> None:
    op.drop_index("la_delivery_mesh_tracking", table_name="la_delivery")
    for column in ("mesh_checked_at", "mesh_status", "mesh_message_id"):
        op.drop_column("la_delivery", column)
    op.drop_column("la_subscription", "mesh_content")
    op.drop_index("ix_mesh_mailbox_organisation", table_name="mesh_mailbox")
    op.drop_table("mesh_mailbox")
