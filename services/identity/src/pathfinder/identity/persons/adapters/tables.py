"""Tables of the person index, its review queue and its audit log (migration 0003_person_index creates them,
later revisions change them).

Personal details appear only as ciphertext (``sealed*`` columns, under the owning person's data key) and as
blind index digests; everything else is ids, codes and instants.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

person_metadata = MetaData()

person = Table(
    "person",
    person_metadata,
    Column("person_id", UUID(as_uuid=True), primary_key=True),
    Column("responsible_la", String(3), nullable=False, index=True),
    Column("status", String(10), nullable=False),
    Column("merged_into", UUID(as_uuid=True), ForeignKey("person.person_id"), index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('active', 'merged', 'erased')", name="person_status_known"),
    CheckConstraint("(status = 'merged') = (merged_into IS NOT NULL)", name="person_merged_has_survivor"),
)

# Deleting the row is the erasure: without the data key no sealed value of the person opens again.
person_key = Table(
    "person_key",
    person_metadata,
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), primary_key=True),
    Column("master_key_id", String(16), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

person_record = Table(
    "person_record",
    person_metadata,
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), primary_key=True),
    Column("source_organisation", String(10), primary_key=True),
    Column("source_role", String(20), nullable=False),
    Column("identifier_kinds", ARRAY(String(16)), nullable=False),
    Column("sealed_demographics", LargeBinary, nullable=False),
    Column("first_supplied_at", DateTime(timezone=True), nullable=False),
    Column("last_supplied_at", DateTime(timezone=True), nullable=False),
)

person_link = Table(
    "person_link",
    person_metadata,
    Column("link_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("issuer", String(3)),
    Column("value_digest", LargeBinary),
    Column("sealed_value", LargeBinary),
    Column("method", String(32), nullable=False),
    Column("source_organisation", String(10), nullable=False),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Column("unlinked_at", DateTime(timezone=True)),
    # Another LA's child holds the value: kept and shown, but with no value_digest, so never found or matched on.
    Column("contested", Boolean, nullable=False, server_default=text("false")),
    # One identifier value is linked to one person at a time.
    Index(
        "person_link_one_active_value",
        "value_digest",
        unique=True,
        postgresql_where=text("unlinked_at IS NULL AND value_digest IS NOT NULL"),
    ),
)

person_blocking_key = Table(
    "person_blocking_key",
    person_metadata,
    Column("digest", LargeBinary, primary_key=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), primary_key=True, index=True),
)

person_merge = Table(
    "person_merge",
    person_metadata,
    Column("merge_id", UUID(as_uuid=True), primary_key=True),
    Column("person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), nullable=False, index=True),
    Column("merged_person_id", UUID(as_uuid=True), ForeignKey("person.person_id"), nullable=False),
    Column("merged_at", DateTime(timezone=True), nullable=False),
    Column("unmerged_at", DateTime(timezone=True)),
)

match_review = Table(
    "match_review",
    person_metadata,
    Column("review_id", UUID(as_uuid=True), primary_key=True),
    Column("kind", String(16), nullable=False, server_default=text("'possible-match'")),
    Column("responsible_la", String(3)),  # the LA that decides; NULL: the platform
    Column("source_organisation", String(10), nullable=False),
    Column("status", String(12), nullable=False),
    Column("candidates", JSONB, nullable=False),
    Column("master_key_id", String(16)),
    Column("wrapped_key", LargeBinary),
    Column("sealed_record", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(200)),
    Column("decided_person_id", UUID(as_uuid=True)),
    CheckConstraint("status IN ('pending', 'same-person', 'new-person')", name="match_review_status_known"),
    CheckConstraint("kind IN ('possible-match', 'responsible-la')", name="match_review_kind_known"),
    CheckConstraint("(kind = 'possible-match') = (responsible_la IS NOT NULL)", name="match_review_who_decides"),
    CheckConstraint("(status = 'pending') = (sealed_record IS NOT NULL)", name="match_review_record_until_decided"),
    Index("match_review_pending", "responsible_la", "created_at", postgresql_where=text("status = 'pending'")),
)

# A retried match request (same organisation, same X-Request-ID) gets the answer the first one got.
match_request = Table(
    "match_request",
    person_metadata,
    Column("source_organisation", String(10), primary_key=True),
    Column("request_id", String(200), primary_key=True),
    Column("outcome", String(16), nullable=False),
    Column("person_id", UUID(as_uuid=True)),
    Column("review_id", UUID(as_uuid=True)),
    # A keyed digest of the record asked about: the same request id with another record is refused.
    Column("record_digest", LargeBinary),
    Column("answered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("match_request_review", "review_id", postgresql_where=text("review_id IS NOT NULL")),
)

# Append-only: the migration installs a trigger that refuses UPDATE, DELETE and TRUNCATE.
person_audit_event = Table(
    "person_audit_event",
    person_metadata,
    Column("audit_id", BigInteger, primary_key=True, autoincrement=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor_subject", String(200), nullable=False),
    Column("actor_kind", String(10), nullable=False),
    Column("actor_organisation", String(10), nullable=False),
    Column("actor_role", String(20), nullable=False),
    Column("action", String(20), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("person_id", UUID(as_uuid=True)),
    Column("review_id", UUID(as_uuid=True)),
    Column("responsible_la", String(3)),
    Column("correlation_id", String(200)),
    Column("detail", JSONB, nullable=False),
    Index("person_audit_event_person", "person_id", "audit_id"),
    Index("person_audit_event_la", "responsible_la", "audit_id"),
)
