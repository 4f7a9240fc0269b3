"""The health-advice service's own tables (the messaging tables come from pathfinder.messaging.schema)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()

provider_team = Table(
    "provider_team",
    metadata,
    Column("team_id", String(64), primary_key=True),
    Column("icb", String(10), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("kind_name", Text, nullable=False),
    Column("provider_organisation", String(10), nullable=False),
)

routing_rule = Table(
    "routing_rule",
    metadata,
    Column("rule_id", BigInteger, Identity(), primary_key=True),
    Column("icb", String(10), nullable=False, index=True),
    Column("requesting_la", String(3)),
    Column("team_id", String(64), ForeignKey("provider_team.team_id"), nullable=False),
    Column("priority", Integer, nullable=False),
)

team_lead = Table(
    "team_lead",
    metadata,
    Column("team_id", String(64), ForeignKey("provider_team.team_id"), nullable=False),
    Column("subject", Text, nullable=False, index=True),
    PrimaryKeyConstraint("team_id", "subject", name="team_lead_pkey"),
)

# The whole aggregate is ``state`` (adapters.snapshots); the columns beside it are what the dashboard filters,
# sorts and counts by, and when the request next owes an alert.
advice_request = Table(
    "advice_request",
    metadata,
    Column("advice_request_id", UUID(as_uuid=True), primary_key=True),
    Column("assessment_id", UUID(as_uuid=True), nullable=False),
    Column("person_id", UUID(as_uuid=True), nullable=False),
    Column("requesting_la", String(3), nullable=False),
    Column("icb", String(10), nullable=False),
    Column("team_id", String(64)),
    Column("provider_organisation", String(10)),
    Column("status", String(16), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("received_on", Date, nullable=False),
    # The due date with the clock running; while a stop holds since stopped_since, on day D it is
    # running_due_on + (D - stopped_since + 1) (domain.clock.DueTerms).
    Column("running_due_on", Date, nullable=False),
    Column("stopped_since", Date),
    Column("accepted_on", Date),
    Column("submitted_on", Date),
    Column("on_time", Boolean),
    Column("turnaround_days", Integer),
    Column("next_alert_at", DateTime(timezone=True)),
    Column("state", JSONB, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
_r = advice_request.c
_SEEN_BY = (("icb", _r.icb), ("team", _r.team_id), ("provider", _r.provider_organisation), ("la", _r.requesting_la))
# Each column a viewer sees requests by (adapters.visibility), with the open ones by due date, the answered ones by
# day submitted (carrying what the turnaround and share figures count, so those are read from the index alone) and
# all by day received (the export's range).
for name, column in _SEEN_BY:
    Index(f"advice_request_open_{name}", column, _r.running_due_on, postgresql_where=_r.is_open)
    carried = [*(other.name for _, other in _SEEN_BY if other is not column), "turnaround_days", "on_time"]
    Index(
        f"advice_request_submitted_{name}", column, _r.submitted_on, postgresql_where=_r.submitted_on.isnot(None),
        postgresql_include=carried,
    )  # fmt: skip
    Index(f"advice_request_received_{name}", column, _r.received_on)
Index("advice_request_alert_due", _r.next_alert_at, postgresql_where=_r.next_alert_at.isnot(None))
Index("advice_request_received", _r.received_on, _r.advice_request_id)
