"""The person index: persons, their sealed records and links, blind indexes, merges, the review queue, match
answers, and the append-only audit log.

Revision ID: 0003_person_index
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_person_index"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)
INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("person_id", UUID, primary_key=True),
        sa.Column("responsible_la", sa.String(3), nullable=False, index=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("merged_into", UUID, sa.ForeignKey("person.person_id"), index=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("erased_at", INSTANT),
        sa.CheckConstraint("status IN ('active', 'merged', 'erased')", name="person_status_known"),
        sa.CheckConstraint("(status = 'merged') = (merged_into IS NOT NULL)", name="person_merged_has_survivor"),
    )
    op.create_table(
        "person_key",
        sa.Column("person_id", UUID, sa.ForeignKey("person.person_id"), primary_key=True),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "person_record",
        sa.Column("person_id", UUID, sa.ForeignKey("person.person_id"), primary_key=True),
        sa.Column("source_organisation", sa.String(10), primary_key=True),
        sa.Column("source_role", sa.String(20), nullable=False),
        sa.Column("identifier_kinds", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("sealed_demographics", sa.LargeBinary, nullable=False),
        sa.Column("first_supplied_at", INSTANT, nullable=False),
        sa.Column("last_supplied_at", INSTANT, nullable=False),
    )
    op.create_table(
        "person_link",
        sa.Column("link_id", UUID, primary_key=True),
        sa.Column("person_id", UUID, sa.ForeignKey("person.person_id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("issuer", sa.String(3)),
        sa.Column("value_digest", sa.LargeBinary),
        sa.Column("sealed_value", sa.LargeBinary),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("source_organisation", sa.String(10), nullable=False),
        sa.Column("linked_at", INSTANT, nullable=False),
        sa.Column("unlinked_at", INSTANT),
    )
    op.create_index(
        "person_link_one_active_value",
        "person_link",
        ["value_digest"],
        unique=True,
        postgresql_where=sa.text("unlinked_at IS NULL AND value_digest IS NOT NULL"),
    )
    op.create_table(
        "person_blocking_key",
        sa.Column("digest", sa.LargeBinary, primary_key=True),
        sa.Column("person_id", UUID, sa.ForeignKey("person.person_id"), primary_key=True, index=True),
    )
    op.create_table(
        "person_merge",
        sa.Column("merge_id", UUID, primary_key=True),
        sa.Column("person_id", UUID, sa.ForeignKey("person.person_id"), nullable=False, index=True),
        sa.Column("merged_person_id", UUID, sa.ForeignKey("person.person_id"), nullable=False),
        sa.Column("merged_at", INSTANT, nullable=False),
        sa.Column("unmerged_at", INSTANT),
    )
    op.create_table(
        "match_review",
        sa.Column("review_id", UUID, primary_key=True),
        sa.Column("responsible_la", sa.String(3), nullable=False),
        sa.Column("source_organisation", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("candidates", postgresql.JSONB, nullable=False),
        sa.Column("master_key_id", sa.String(16)),
        sa.Column("wrapped_key", sa.LargeBinary),
        sa.Column("sealed_record", sa.LargeBinary),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("decided_at", INSTANT),
        sa.Column("decided_by", sa.String(200)),
        sa.Column("decided_person_id", UUID),
        sa.CheckConstraint("status IN ('pending', 'same-person', 'new-person')", name="match_review_status_known"),
        sa.CheckConstraint(
            "(status = 'pending') = (sealed_record IS NOT NULL)", name="match_review_record_until_decided"
        ),
    )
    op.create_index(
        "match_review_pending",
        "match_review",
        ["responsible_la", "created_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "match_request",
        sa.Column("source_organisation", sa.String(10), primary_key=True),
        sa.Column("request_id", sa.String(200), primary_key=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("person_id", UUID),
        sa.Column("review_id", UUID),
        sa.Column("answered_at", INSTANT, nullable=False, server_default=sa.func.now()),
    )
    _create_audit_log()


def _create_audit_log() -> None:
    op.create_table(
        "person_audit_event",
        sa.Column("audit_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", INSTANT, nullable=False),
        sa.Column("actor_subject", sa.String(200), nullable=False),
        sa.Column("actor_kind", sa.String(10), nullable=False),
        sa.Column("actor_organisation", sa.String(10), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("person_id", UUID),
        sa.Column("review_id", UUID),
        sa.Column("responsible_la", sa.String(3)),
        sa.Column("correlation_id", sa.String(200)),
        sa.Column("detail", postgresql.JSONB, nullable=False),
    )
    op.create_index("person_audit_event_person", "person_audit_event", ["person_id", "audit_id"])
    op.create_index("person_audit_event_la", "person_audit_event", ["responsible_la", "audit_id"])
    # The log is evidence: the database itself refuses to rewrite it, whatever the application does.
    op.execute(
        """
        CREATE FUNCTION person_audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'person_audit_event is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER person_audit_event_append_only BEFORE UPDATE OR DELETE ON person_audit_event "
        "FOR EACH ROW EXECUTE FUNCTION person_audit_event_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER person_audit_event_no_truncate BEFORE TRUNCATE ON person_audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION person_audit_event_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("person_audit_event")
    op.execute("DROP FUNCTION person_audit_event_refuse_change()")
    for table in (
        "match_request",
        "match_review",
        "person_merge",
        "person_blocking_key",
        "person_link",
        "person_record",
        "person_key",
        "person",
    ):
        op.drop_table(table)
