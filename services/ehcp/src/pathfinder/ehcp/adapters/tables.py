"""The ehcp service's own tables (the messaging tables come from pathfinder.messaging.schema)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.sql.elements import ColumnClause

metadata = MetaData()

child_case = Table(
    "child_case",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("responsible_la", String(3), nullable=False, index=True),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The person index's latest transfer of the child: a notice from before it no longer moves the case.
    Column("transferred_at", DateTime(timezone=True)),
)

early_years_notice = Table(
    "early_years_notice",
    metadata,
    Column("notification_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("child_case.person_id"), nullable=False, index=True),
    Column("notifying_organisation", String(10), nullable=False),
    Column("opinion_formed_on", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The responsible LA a case had before a notice named another, or the person index transferred the child (the
# index owns that fact, the case follows).
responsible_la_change = Table(
    "responsible_la_change",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("notification_id", UUID(as_uuid=True), unique=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("child_case.person_id"), nullable=False, index=True),
    Column("from_la", String(3), nullable=False),
    Column("to_la", String(3), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("cause", String(16), nullable=False, server_default=text("'notice'")),
    CheckConstraint(
        "(cause = 'notice' AND notification_id IS NOT NULL) OR (cause = 'transfer' AND notification_id IS NULL)",
        name="responsible_la_change_cause",
    ),
)

# An open case with no due date sorts after every dated one: the open-cases list pages on (this key, case id).
NO_DUE_DATE: ColumnClause[date] = literal_column("DATE '9999-12-31'", Date)
# As PostgreSQL writes the expression back (which the migrations' check compares): the same as coalescing with it.
DUE_KEY = text("COALESCE(next_due_on, '9999-12-31'::date)")

# The whole aggregate is ``state`` (adapters.snapshots); the columns beside it are what lists and counts read.
ehcp_assessment = Table(
    "ehcp_assessment",
    metadata,
    Column("assessment_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("responsible_la", String(3), nullable=False),
    Column("la_reference", Text),
    Column("stage", String(16), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("request_received_on", Date, nullable=False),
    Column("decided_on", Date),
    Column("draft_served_on", Date),
    Column("outcome_on", Date),
    Column("next_limit", Text),
    Column("next_due_on", Date),
    Column("state", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index(
    "ehcp_assessment_open",
    ehcp_assessment.c.responsible_la,
    DUE_KEY,
    ehcp_assessment.c.assessment_id,
    postgresql_where=ehcp_assessment.c.is_open,
)
Index("ehcp_assessment_open_by_id", ehcp_assessment.c.assessment_id, postgresql_where=ehcp_assessment.c.is_open)
Index("ehcp_assessment_la_requests", ehcp_assessment.c.responsible_la, ehcp_assessment.c.request_received_on)

ehcp_plan = Table(
    "ehcp_plan",
    metadata,
    Column("plan_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("responsible_la", String(3), nullable=False),
    Column("assessment_id", UUID(as_uuid=True), nullable=False),
    Column("la_reference", Text),
    Column("stage", String(16), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("next_limit", Text),
    Column("next_due_on", Date),
    Column("state", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index(
    "ehcp_plan_open",
    ehcp_plan.c.responsible_la,
    DUE_KEY,
    ehcp_plan.c.plan_id,
    postgresql_where=ehcp_plan.c.is_open,
)

# Each request for advice of an assessment, copied out of its state for the LA's history of advisors' lateness.
ehcp_advice_request = Table(
    "ehcp_advice_request",
    metadata,
    Column("advice_request_id", UUID(as_uuid=True), primary_key=True),
    Column(
        "assessment_id",
        UUID(as_uuid=True),
        ForeignKey("ehcp_assessment.assessment_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("responsible_la", String(3), nullable=False),
    Column("advice_kind", String(32), nullable=False),
    Column("advisor", Text),
    Column("requested_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("received_on", Date),
    Index("ehcp_advice_request_la", "responsible_la"),
)

ehcp_due_timer = Table(
    "ehcp_due_timer",
    metadata,
    Column("case_id", UUID(as_uuid=True), nullable=False),
    Column("case_kind", String(10), nullable=False),
    Column("limit", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("alert", String(16), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("fires_at", DateTime(timezone=True), nullable=False),
    Column("fired_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("case_id", "limit", "subject", "alert", "due_on", name="ehcp_due_timer_pkey"),
)
Index(
    "ehcp_due_timer_unfired",
    ehcp_due_timer.c.fires_at,
    postgresql_where=ehcp_due_timer.c.fired_at.is_(None),
)

ehcp_command_reply = Table(
    "ehcp_command_reply",
    metadata,
    Column("caller", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_digest", Text, nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
