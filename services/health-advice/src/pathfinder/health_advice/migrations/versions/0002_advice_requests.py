"""Advice requests kept whole as snapshots, with the columns the dashboard reads and when each next owes an alert;
each ICB's provider teams, routing rules and team leads.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BY = (("icb", "icb"), ("team", "team_id"), ("provider", "provider_organisation"), ("la", "requesting_la"))


def upgrade() -> None:
    op.create_table(
        "provider_team",
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("icb", sa.String(10), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("kind_name", sa.Text(), nullable=False),
        sa.Column("provider_organisation", sa.String(10), nullable=False),
    )
    op.create_index("ix_provider_team_icb", "provider_team", ["icb"])
    op.create_table(
        "routing_rule",
        sa.Column("rule_id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("icb", sa.String(10), nullable=False),
        sa.Column("requesting_la", sa.String(3)),
        sa.Column("team_id", sa.String(64), sa.ForeignKey("provider_team.team_id"), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
    )
    op.create_index("ix_routing_rule_icb", "routing_rule", ["icb"])
    op.create_table(
        "team_lead",
        sa.Column("team_id", sa.String(64), sa.ForeignKey("provider_team.team_id"), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "subject", name="team_lead_pkey"),
    )
    op.create_index("ix_team_lead_subject", "team_lead", ["subject"])
    op.create_table(
        "advice_request",
        sa.Column("advice_request_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("assessment_id", UUID(as_uuid=True), nullable=False),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("requesting_la", sa.String(3), nullable=False),
        sa.Column("icb", sa.String(10), nullable=False),
        sa.Column("team_id", sa.String(64)),
        sa.Column("provider_organisation", sa.String(10)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("running_due_on", sa.Date(), nullable=False),
        sa.Column("stopped_since", sa.Date()),
        sa.Column("accepted_on", sa.Date()),
        sa.Column("submitted_on", sa.Date()),
        sa.Column("on_time", sa.Boolean()),
        sa.Column("turnaround_days", sa.Integer()),
        sa.Column("next_alert_at", sa.DateTime(timezone=True)),
        sa.Column("state", JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    for name, column in _BY:
        op.create_index(
            f"advice_request_open_{name}", "advice_request", [column, "running_due_on"],
            postgresql_where=sa.text("is_open"),
        )  # fmt: skip
        op.create_index(
            f"advice_request_submitted_{name}", "advice_request", [column, "submitted_on"],
            postgresql_where=sa.text("submitted_on IS NOT NULL"),
        )  # fmt: skip
    op.create_index(
        "advice_request_alert_due", "advice_request", ["next_alert_at"],
        postgresql_where=sa.text("next_alert_at IS NOT NULL"),
    )  # fmt: skip
    op.create_index("advice_request_received", "advice_request", ["received_on", "advice_request_id"])


def downgrade() -> None:
    op.drop_table("advice_request")
    op.drop_table("team_lead")
    op.drop_table("routing_rule")
    op.drop_table("provider_team")
