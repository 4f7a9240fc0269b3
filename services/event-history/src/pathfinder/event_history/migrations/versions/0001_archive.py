"""The archive of every platform event and dead letter, and the audit of every call to it.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archived_event",
        sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True)),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("source", sa.Text()),
        sa.Column("la_code", sa.String(3)),
        sa.Column("person_id", postgresql.UUID(as_uuid=True)),
        sa.Column("correlation_id", sa.Text()),
        sa.Column("key", sa.LargeBinary()),
        sa.Column("headers", postgresql.JSONB(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("problem", sa.Text()),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("copy", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("event_id", "topic", "copy", name="archived_event_once_per_topic"),
    )
    for name, column in (
        ("time", "record_time"), ("type", "event_type"), ("la", "la_code"), ("person", "person_id"),
        ("correlation", "correlation_id"), ("topic", "topic"),
    ):  # fmt: skip
        op.create_index(f"archived_event_{name}", "archived_event", [column, "position"])
    op.create_table(
        "event_audit",
        sa.Column("audit_id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(20), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("slice", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.Column("outcome", sa.String(60), nullable=False),
    )
    op.create_index("event_audit_at", "event_audit", ["at", "audit_id"])
    op.create_index("event_audit_subject", "event_audit", ["subject", "audit_id"])


def downgrade() -> None:
    op.drop_table("event_audit")
    op.drop_table("archived_event")
