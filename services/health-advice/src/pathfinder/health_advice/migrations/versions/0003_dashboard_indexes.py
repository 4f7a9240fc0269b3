"""The dashboard's figures read from indexes: the answered requests' indexes carry what the turnaround and share
figures count (read from the index alone), and each column a viewer or an export filters by is indexed with the
day received.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BY = (("icb", "icb"), ("team", "team_id"), ("provider", "provider_organisation"), ("la", "requesting_la"))
_COUNTED = ("turnaround_days", "on_time")


def _submitted(name: str, column: str, include: list[str]) -> None:
    op.create_index(
        f"advice_request_submitted_{name}", "advice_request", [column, "submitted_on"],
        postgresql_where=sa.text("submitted_on IS NOT NULL"), postgresql_include=include,
    )  # fmt: skip


def upgrade() -> None:
    for name, column in _BY:
        op.drop_index(f"advice_request_submitted_{name}", "advice_request")
        _submitted(name, column, [*(other for _, other in _BY if other != column), *_COUNTED])
        op.create_index(f"advice_request_received_{name}", "advice_request", [column, "received_on"])


def downgrade() -> None:
    for name, column in _BY:
        op.drop_index(f"advice_request_received_{name}", "advice_request")
        op.drop_index(f"advice_request_submitted_{name}", "advice_request")
        _submitted(name, column, [])
