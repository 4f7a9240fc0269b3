"""The archive and its audit log (migration 0001_archive creates them), replays and redrives (0002_replays), and
the replays' shards (0003_replay_shards).

Every search pages by ``position`` (the archive's order, and the cursor), so each column searched by is indexed
with ``position`` after it: a filtered page is one index range read in order, however far back it starts.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
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
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = MetaData()

archived_event = Table(
    "archived_event",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False),
    Column("occurred_at", DateTime(timezone=True)),
    Column("event_type", String(200), nullable=False),
    Column("source", Text),
    Column("la_code", String(3)),
    Column("person_id", UUID(as_uuid=True)),
    Column("correlation_id", Text),
    Column("key", LargeBinary),
    Column("headers", JSONB, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("problem", Text),
    Column("archived_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Which dead letter of the event this is: its pathfinder_dlt_failed_at ('' for a platform topic's record).
    Column("copy", String(64), nullable=False, server_default=""),
    # A dead-letter record keeps its original's ce_id on another topic: both are kept, each once; an event
    # dead-lettered again after a redrive is a second dead letter, kept too.
    UniqueConstraint("event_id", "topic", "copy", name="archived_event_once_per_topic"),
    Index("archived_event_time", "record_time", "position"),
    Index("archived_event_type", "event_type", "position"),
    Index("archived_event_la", "la_code", "position"),
    Index("archived_event_person", "person_id", "position"),
    Index("archived_event_correlation", "correlation_id", "position"),
    Index("archived_event_topic", "topic", "position"),
)

# Append-only: the role the service runs as may add to it and read it, never change it (migrate.SCHEMA).
event_audit = Table(
    "event_audit",
    metadata,
    Column("audit_id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("organisation", String(20), nullable=False),
    Column("role", String(20), nullable=False),
    Column("action", String(40), nullable=False),
    Column("slice", JSONB, nullable=False),
    Column("reason", String(500)),
    Column("outcome", String(60), nullable=False),
    Index("event_audit_at", "at", "audit_id"),
    Index("event_audit_subject", "subject", "audit_id"),
)

# A replay (migration 0002_replays): its slice and target, and its status; how far it has got is its shards'.
replay = Table(
    "replay",
    metadata,
    Column("replay_id", UUID(as_uuid=True), primary_key=True),
    Column("slice", JSONB, nullable=False),
    Column("target_kind", String(20), nullable=False),
    Column("target_topic", String(249)),
    Column("target_group", String(249)),
    Column("target_subscription_id", UUID(as_uuid=True)),
    Column("rate", Integer, nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("organisation", String(20), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("last_position", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("offsets", JSONB, nullable=False),
    Index("replay_running", "updated_at", postgresql_where=text("status = 'running'")),
    Index("replay_organisation", "organisation", "started_at"),
)

# One shard of a replay (migration 0003_replay_shards): its own cursor, each row held by the lane sending it.
replay_shard = Table(
    "replay_shard",
    metadata,
    Column("replay_id", UUID(as_uuid=True), ForeignKey("replay.replay_id", ondelete="CASCADE"), primary_key=True),
    Column("shard", SmallInteger, primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("sent", BigInteger, nullable=False),
    Column("done", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True)),
    Column("events_per_second", Float, nullable=False),
    # A lane claims the waiting shard least recently advanced; the rest are read with their replay.
    Index("replay_shard_waiting", "updated_at", postgresql_where=text("NOT done")),
)

# A dead letter sent back to its consumer group: once each (a new dead letter of the same event is a new row).
dead_letter_redrive = Table(
    "dead_letter_redrive",
    metadata,
    Column("position", BigInteger, ForeignKey("archived_event.position", ondelete="CASCADE"), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(200), nullable=False),
    Column("reason", String(500), nullable=False),
)
