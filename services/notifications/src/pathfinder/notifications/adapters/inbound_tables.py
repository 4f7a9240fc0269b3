"""Tables of notifications received from NHS bodies: their status, the keys that make submissions idempotent,
and the postcode directory that places a child in an LA."""

from __future__ import annotations

from pathfinder.notifications.adapters.tables import metadata
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

inbound_notification = Table(
    "inbound_notification",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("notifying_organisation", String(10), nullable=False),
    Column("message_id", String(256)),
    Column("submission_format", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("opinion_formed_on", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("responsible_la", String(3), index=True),
    Column("reasons", ARRAY(String(40)), nullable=False, server_default=text("'{}'")),
    Column("person_id", UUID(as_uuid=True)),
    Column("review_id", UUID(as_uuid=True)),
    # The child's details only while identity has still to name the child; cleared once it has.
    Column("pending_child", JSONB),
    Column("identity_attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_identity_attempt_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("delivery_channel", String(20)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("la_reference", String(64)),
    Column("acknowledgement_overdue_at", DateTime(timezone=True)),
    UniqueConstraint("notifying_organisation", "message_id", name="inbound_notification_message_key"),
    Index(
        "inbound_notification_awaiting_identity",
        "next_identity_attempt_at",
        postgresql_where=text("status IN ('awaiting-identity', 'awaiting-identity-review')"),
    ),
    Index("inbound_notification_review", "review_id", postgresql_where=text("review_id IS NOT NULL")),
    Index(
        "inbound_notification_unacknowledged",
        "delivered_at",
        postgresql_where=text("status = 'delivered'"),
    ),
    Index("inbound_notification_sender", "notifying_organisation", "received_at"),
)

inbound_submission_key = Table(
    "inbound_submission_key",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("body_hash", String(64), nullable=False),
    Column("notification_id", UUID(as_uuid=True), nullable=False),
    Column("status_code", SmallInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

postcode_la = Table(
    "postcode_la",
    metadata,
    Column("postcode", String(8), primary_key=True),
    Column("la_code", String(3), nullable=False),
)
