"""The ehcp service's own tables (the messaging tables come from pathfinder.messaging.schema)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    MetaData,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

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
