"""The messaging tables every service keeps in its own database: outbox, relay lanes, inbox, failures."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.engine import Connection

# Order per key is kept by giving each key a lane and letting one relay at a time own a lane. The number of
# lanes is fixed: changing it would move keys between lanes while rows are in flight.
OUTBOX_LANES = 16
OUTBOX_CHANNEL = "pathfinder_outbox"

messaging_metadata = MetaData()

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("lane", SmallInteger, nullable=False),
    Column("topic", String(249), nullable=False),
    Column("key", Text, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Index("outbox_unpublished", "lane", "position", postgresql_where=text("published_at IS NULL")),
    Index("outbox_published_at", "published_at", postgresql_where=text("published_at IS NOT NULL")),
)

outbox_lane = Table(
    "outbox_lane",
    messaging_metadata,
    Column("lane", SmallInteger, primary_key=True, autoincrement=False),
    Column("owner", Text),
    Column("lease_until", DateTime(timezone=True)),
)

# One row: the token of the broker log the outbox was last published into (see relay.BrokerEpoch).
outbox_epoch = Table(
    "outbox_epoch",
    messaging_metadata,
    Column("singleton", SmallInteger, primary_key=True, autoincrement=False, server_default=text("1")),
    Column("epoch", UUID(as_uuid=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("outcome", String(20), nullable=False),  # processed | dead_lettered
    Column("topic", String(249), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Failed attempts survive a consumer restart, so retries stay bounded across crashes.
consumer_failure = Table(
    "consumer_failure",
    messaging_metadata,
    Column("consumer", Text, primary_key=True),
    Column("event_id", UUID(as_uuid=True), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("first_failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_failed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

_NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION pathfinder_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
    RETURN NULL;
END $$
"""
_NOTIFY_TRIGGER = """
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION pathfinder_outbox_notify()
"""


def install_messaging_schema_v1(connection: Connection) -> None:
    """Called from each service's first Alembic migration (the tables are shared code, the database is not)."""
    messaging_metadata.create_all(connection)
    connection.exec_driver_sql(_NOTIFY_FUNCTION)
    connection.exec_driver_sql(_NOTIFY_TRIGGER)
    connection.execute(
        outbox_lane.insert(),
        [{"lane": lane} for lane in range(OUTBOX_LANES)],
    )


def remove_messaging_schema_v1(connection: Connection) -> None:
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    connection.exec_driver_sql("DROP FUNCTION IF EXISTS pathfinder_outbox_notify()")
    messaging_metadata.drop_all(connection)
