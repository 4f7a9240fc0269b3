"""The notifications service's own tables (the messaging tables come from pathfinder.messaging.schema)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, MetaData, String, Table
from sqlalchemy.dialects.postgresql import UUID

metadata = MetaData()

early_years_notification = Table(
    "early_years_notification",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("responsible_la", String(3), nullable=False, index=True),
    Column("notifying_organisation", String(10), nullable=False),
    Column("opinion_formed_on", Date, nullable=False),
    Column("parent_informed", Boolean, nullable=False),
    Column("discussion_offered", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),
)
