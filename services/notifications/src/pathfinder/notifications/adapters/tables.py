"""The notifications service's own tables (the messaging tables come from pathfinder.messaging.schema)."""

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
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = MetaData()

early_years_notification = Table(
    "early_years_notification",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("notifying_organisation", String(10), nullable=False),
    Column("message_id", String(256)),
    Column("submission_format", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("opinion_formed_on", Date, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("responsible_la", String(3), index=True),
    # What the sender named (or its postcode gave); responsible_la becomes identity's once the child is named.
    Column("named_la", String(3)),
    Column("reasons", ARRAY(String(40)), nullable=False, server_default=text("'{}'")),
    # How long the sender took (s23 sets no limit; the LA and the sender see it). Null on older rows.
    Column("notified_on", Date),
    Column("notified_after_compulsory_school_age", Boolean),
    Column("person_id", UUID(as_uuid=True)),
    Column("review_id", UUID(as_uuid=True)),
    # The child's details only while identity has still to name the child, cleared once it has: sealed (JSON,
    # AES-256-GCM bound to the notification) under the key whose id is pending_child_key_id.
    Column("sealed_pending_child", LargeBinary),
    Column("pending_child_key_id", String(32)),
    # The trace context and correlation id of the request that submitted it, for the worker that asks identity
    # later to continue (migration 0018); cleared with the child's details.
    Column("request_context", JSONB),
    Column("identity_attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_identity_attempt_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("delivery_channel", String(20)),
    Column("delivered_on", ARRAY(UUID(as_uuid=True)), nullable=False, server_default=text("'{}'")),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("la_reference", String(64)),
    Column("acknowledgement_overdue_at", DateTime(timezone=True)),
    UniqueConstraint("notifying_organisation", "message_id", name="early_years_notification_message_key"),
    Index(
        "early_years_notification_awaiting_identity",
        "next_identity_attempt_at",
        postgresql_where=text("status IN ('awaiting-identity', 'awaiting-identity-review')"),
    ),
    Index("early_years_notification_review", "review_id", postgresql_where=text("review_id IS NOT NULL")),
    Index(
        "early_years_notification_unacknowledged",
        "delivered_at",
        postgresql_where=text("status = 'delivered'"),
    ),
    Index("early_years_notification_sender", "notifying_organisation", "received_at"),
)

submission_key = Table(
    "submission_key",
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

la_subscription = Table(
    "la_subscription",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("la_code", String(3), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("status", String(10), nullable=False),
    Column("endpoint", Text),
    Column("allowed_hosts", ARRAY(Text), nullable=False, server_default="{}"),
    # Webhook secrets and rest-hook header values (by header name, base64 of the sealed bytes), sealed under
    # the key whose id is secrets_key_id: a copy of the database gives none away.
    Column("sealed_secrets", ARRAY(LargeBinary), nullable=False, server_default="{}"),
    Column("sealed_headers", JSONB, nullable=False, server_default="{}"),
    Column("secrets_key_id", String(32)),
    Column("heartbeat_seconds", Integer),
    # MESH only (the endpoint is the LA's mailbox id): what each message carries.
    Column("mesh_content", String(20)),
    # Gap-free: incremented with the row locked, in the transaction that creates the delivery numbered.
    Column("events_since_start", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("paused_at", DateTime(timezone=True)),
    Column("last_sent_at", DateTime(timezone=True)),
    # The dispatcher's fair share: a delivery in flight to the endpoint until then (one at a time), and when
    # one was last claimed (the LA and endpoint waiting longest go next).
    Column("sending_until", DateTime(timezone=True)),
    Column("last_claimed_at", DateTime(timezone=True)),
    # An LA has one Kafka topic, so one Kafka subscription says what goes to it.
    Index("la_subscription_one_kafka", "la_code", unique=True, postgresql_where=text("channel = 'kafka'")),
)

AWAITING_IDENTITY_CHANNEL = "notification_awaits_identity"
"""Notified by a trigger (migration 0018) when a notification waiting for identity is inserted."""

LA_DELIVERY_DUE_CHANNEL = "la_delivery_due"
"""Notified by triggers (migrations 0013 and 0014) when a delivery the dispatcher is to send is made, or put back."""

la_delivery = Table(
    "la_delivery",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("subscription_id", UUID(as_uuid=True), ForeignKey(la_subscription.c.id, ondelete="CASCADE"), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("event_number", BigInteger),
    Column("notification_id", UUID(as_uuid=True)),
    Column("headers", JSONB, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("state", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("response_status", Integer),
    Column("last_error", Text),
    # Set on a delivery made by a replay from the archive (ADR 0011): the same event again, once per replay.
    Column("replay_id", UUID(as_uuid=True)),
    # MESH only: the message MESH gave the delivery, the mailbox it went from (tracked as its sender), and what
    # MESH's tracking last said of it.
    Column("mesh_message_id", Text),
    Column("mesh_sender", String(20)),
    Column("mesh_status", String(20)),
    Column("mesh_checked_at", DateTime(timezone=True)),
    Index("la_delivery_once", "subscription_id", "event_id", unique=True, postgresql_where=text("replay_id IS NULL")),
    Index(
        "la_delivery_replay_once",
        "replay_id",
        "subscription_id",
        "event_id",
        unique=True,
        postgresql_where=text("replay_id IS NOT NULL"),
    ),
    Index("la_delivery_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
    Index("la_delivery_child_queue", "subscription_id", "subject", "id", postgresql_where=text("state = 'pending'")),
    Index("la_delivery_log", "subscription_id", "created_at"),
    Index(
        "la_delivery_mesh_tracking",
        "mesh_checked_at",
        postgresql_where=text("mesh_message_id IS NOT NULL AND mesh_status IS DISTINCT FROM 'acknowledged'"),
    ),
    Index("la_delivery_number", "subscription_id", "event_number"),
)

mesh_mailbox = Table(
    "mesh_mailbox",
    metadata,
    Column("mailbox_id", String(20), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("organisation", String(10), nullable=False, index=True),
    Column("workflow_ids", ARRAY(Text), nullable=False, server_default="{}"),
    # The platform's own mailboxes only, sealed as subscriptions' secrets are (adapters/mesh_passwords.py).
    Column("sealed_password", LargeBinary),
    Column("secrets_key_id", String(32)),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)
