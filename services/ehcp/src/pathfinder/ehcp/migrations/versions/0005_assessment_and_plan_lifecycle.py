"""EHC needs assessments and plans kept whole as snapshots, with the columns an LA's open cases are listed and
paged by; requests for advice copied out for the LA's history; the alerts each case owes as timers; and the
replies given to commands sent with an idempotency key.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DUE_DATE = "DATE '9999-12-31'"


def _snapshot_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("next_limit", sa.Text()),
        sa.Column("next_due_on", sa.Date()),
        sa.Column("state", JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "ehcp_assessment",
        sa.Column("assessment_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("responsible_la", sa.String(3), nullable=False),
        sa.Column("la_reference", sa.Text()),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("request_received_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date()),
        sa.Column("draft_served_on", sa.Date()),
        sa.Column("outcome_on", sa.Date()),
        *_snapshot_columns(),
    )
    op.create_index("ix_ehcp_assessment_person_id", "ehcp_assessment", ["person_id"])
    op.create_index(
        "ehcp_assessment_open",
        "ehcp_assessment",
        ["responsible_la", sa.text(f"coalesce(next_due_on, {NO_DUE_DATE})"), "assessment_id"],
        postgresql_where=sa.text("is_open"),
    )
    op.create_index(
        "ehcp_assessment_open_by_id", "ehcp_assessment", ["assessment_id"], postgresql_where=sa.text("is_open")
    )
    op.create_index("ehcp_assessment_la_requests", "ehcp_assessment", ["responsible_la", "request_received_on"])
    op.create_table(
        "ehcp_plan",
        sa.Column("plan_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("responsible_la", sa.String(3), nullable=False),
        sa.Column("assessment_id", UUID(as_uuid=True), nullable=False),
        sa.Column("la_reference", sa.Text()),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        *_snapshot_columns(),
    )
    op.create_index("ix_ehcp_plan_person_id", "ehcp_plan", ["person_id"])
    op.create_index(
        "ehcp_plan_open",
        "ehcp_plan",
        ["responsible_la", sa.text(f"coalesce(next_due_on, {NO_DUE_DATE})"), "plan_id"],
        postgresql_where=sa.text("is_open"),
    )
    op.create_table(
        "ehcp_advice_request",
        sa.Column("advice_request_id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "assessment_id",
            UUID(as_uuid=True),
            sa.ForeignKey("ehcp_assessment.assessment_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("responsible_la", sa.String(3), nullable=False),
        sa.Column("advice_kind", sa.String(32), nullable=False),
        sa.Column("advisor", sa.Text()),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date()),
    )
    op.create_index("ix_ehcp_advice_request_assessment_id", "ehcp_advice_request", ["assessment_id"])
    op.create_index("ehcp_advice_request_la", "ehcp_advice_request", ["responsible_la"])
    op.create_table(
        "ehcp_due_timer",
        sa.Column("case_id", UUID(as_uuid=True), nullable=False),
        sa.Column("case_kind", sa.String(10), nullable=False),
        sa.Column("limit", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("alert", sa.String(16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("fires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("case_id", "limit", "subject", "alert", "due_on", name="ehcp_due_timer_pkey"),
    )
    op.create_index(
        "ehcp_due_timer_unfired", "ehcp_due_timer", ["fires_at"], postgresql_where=sa.text("fired_at IS NULL")
    )
    op.create_table(
        "ehcp_command_reply",
        sa.Column("caller", sa.Text(), primary_key=True),
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("request_digest", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    for table in ("ehcp_command_reply", "ehcp_due_timer", "ehcp_advice_request", "ehcp_plan", "ehcp_assessment"):
        op.drop_table(table)
