"""The ehcp service's own tables (the messaging tables come from pathfinder.messaging.schema)."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

child_case = Table(
    "child_case",
    metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("responsible_la", String(3), nullable=False, index=True),
    Column("opened_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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

# The responsible LA a case had before a notice named another (the person index owns that fact, the case follows).
responsible_la_change = Table(
    "responsible_la_change",
    metadata,
    Column("notification_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("child_case.person_id"), nullable=False, index=True),
    Column("from_la", String(3), nullable=False),
    Column("to_la", String(3), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
