"""Tables of LA subscriptions and their deliveries (outbound side of the notifications service)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

subscription_metadata = MetaData()

la_subscription = Table(
    "la_subscription",
    subscription_metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("la_code", String(3), nullable=False, index=True),
    Column("channel", String(20), nullable=False),
    Column("event_types", ARRAY(Text), nullable=False),
    Column("status", String(10), nullable=False),
    Column("endpoint", Text),
    Column("allowed_hosts", ARRAY(Text), nullable=False, server_default="{}"),
    # Webhook secrets and rest-hook header values (by header name, base64 of the sealed bytes), sealed with
    # SubscriptionSecrets under the key whose id is secrets_key_id: a copy of the database gives none away.
    Column("sealed_secrets", ARRAY(LargeBinary), nullable=False, server_default="{}"),
    Column("sealed_headers", JSONB, nullable=False, server_default="{}"),
    Column("secrets_key_id", String(32)),
    Column("heartbeat_seconds", Integer),
    # Gap-free: incremented in the transaction that creates the delivery the number belongs to.
    Column("events_since_start", BigInteger, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("paused_at", DateTime(timezone=True)),
    Column("last_sent_at", DateTime(timezone=True)),
    # An LA has one Kafka topic, so one Kafka subscription says what goes to it.
    Index("la_subscription_one_kafka", "la_code", unique=True, postgresql_where=text("channel = 'kafka'")),
)

la_delivery = Table(
    "la_delivery",
    subscription_metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("subscription_id", UUID(as_uuid=True), ForeignKey(la_subscription.c.id, ondelete="CASCADE"), nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("event_number", BigInteger),
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
    UniqueConstraint("subscription_id", "event_id", name="la_delivery_once"),
    Index("la_delivery_due", "next_attempt_at", postgresql_where=text("state = 'pending'")),
    Index("la_delivery_child_queue", "subscription_id", "subject", "id", postgresql_where=text("state = 'pending'")),
    Index("la_delivery_log", "subscription_id", "created_at"),
    Index("la_delivery_number", "subscription_id", "event_number"),
)

# EarlyYearsNotificationDeliveredToLa is emitted once per notification and subscription.
la_delivery_receipt = Table(
    "la_delivery_receipt",
    subscription_metadata,
    Column("notification_id", UUID(as_uuid=True), nullable=False),
    Column("subscription_id", UUID(as_uuid=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("notification_id", "subscription_id"),
)

la_acknowledgement = Table(
    "la_acknowledgement",
    subscription_metadata,
    Column("notification_id", UUID(as_uuid=True), primary_key=True),
    Column("la_code", String(3), nullable=False),
    Column("la_reference", Text),
    Column("acknowledged_at", DateTime(timezone=True), nullable=False),
)
