"""Token buckets in the service's own database, so that every API process of a service spends from the same
bucket: a client's limit is the limit, however many replicas answer it.

One statement per request, atomic under concurrency: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` refills
the bucket for the time since it was last touched (by the database's clock, which every process shares), takes
a token if there is one, and says whether it did. Keys are stored as a SHA-256 digest, so the table never holds
what they were made of (a username, an address). A bucket that has filled up again is the same as none:
:meth:`SqlTokenBuckets.forget_full` deletes those.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Boolean, Column, DateTime, Float, LargeBinary, MetaData, Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

token_bucket_metadata = MetaData()

token_bucket = Table(
    "rate_limit_bucket",
    token_bucket_metadata,
    Column("key_digest", LargeBinary, primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("refilled_at", DateTime(timezone=True), nullable=False),
    Column("full_at", DateTime(timezone=True), nullable=False, index=True),
    Column("admitted", Boolean, nullable=False),
)

_TAKE = text(
    """
    WITH asked AS (SELECT CAST(:burst AS double precision) AS burst, CAST(:rate AS double precision) AS rate)
    INSERT INTO rate_limit_bucket AS bucket (key_digest, tokens, refilled_at, full_at, admitted)
    SELECT :key, burst - 1, clock_timestamp(), clock_timestamp() + make_interval(secs => 1 / rate), true FROM asked
    ON CONFLICT (key_digest) DO UPDATE SET (tokens, refilled_at, full_at, admitted) = (
        SELECT left_over, now, now + make_interval(secs => (burst - left_over) / rate), available >= 1
        FROM (
            SELECT now, burst, rate, available,
                CASE WHEN available >= 1 THEN available - 1 ELSE available END AS left_over
            FROM (
                SELECT clock_timestamp() AS now, burst, rate,
                    least(burst, bucket.tokens + extract(epoch FROM clock_timestamp() - bucket.refilled_at) * rate)
                    AS available
                FROM asked
            ) AS refilled
        ) AS taken
    )
    RETURNING tokens, admitted
    """
)

_FORGET_FULL = text(
    "DELETE FROM rate_limit_bucket WHERE key_digest IN "
    "(SELECT key_digest FROM rate_limit_bucket WHERE full_at < clock_timestamp() LIMIT :batch)"
)


def install_token_buckets_v1(connection: Connection) -> None:
    """Called from a service's Alembic migration: the table is shared code, the database is the service's (a
    change to the table is a ``_v2`` that each service's next migration calls)."""
    token_bucket_metadata.create_all(connection)


def remove_token_buckets_v1(connection: Connection) -> None:
    token_bucket_metadata.drop_all(connection)


class SqlTokenBuckets:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # The take is one statement, atomic on its own: with no BEGIN and COMMIT around it, one round trip.
        self._single_statements = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def take(self, key: str, *, per_second: float, burst: int) -> float:
        """Take a token from ``key``'s bucket (``burst`` tokens at most, refilled at ``per_second``): 0 when one
        was taken, else how many seconds until one will be there."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
        parameters = {"key": digest, "burst": float(burst), "rate": float(per_second)}
        async with self._single_statements.connect() as connection:
            tokens, admitted = (await connection.execute(_TAKE, parameters)).one()
        return 0.0 if admitted else (1.0 - tokens) / per_second

    async def forget_full(self, *, batch: int = 1000) -> int:
        """Delete up to ``batch`` buckets that have filled up again; how many went."""
        async with self._engine.begin() as connection:
            return (await connection.execute(_FORGET_FULL, {"batch": batch})).rowcount
