"""Organisations, API clients and their keys, spent client-assertion ids, identity's signing keys and people's
accounts; the platform itself as the first organisation.

Revision ID: 0002_access
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_access"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    organisation = op.create_table(
        "organisation",
        sa.Column("code", sa.String(10), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default="true"),
        sa.Column("registered_at", _TIME, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "role IN ('local-authority', 'icb', 'nhs-trust', 'platform')", name="organisation_role_known"
        ),
    )
    op.create_table(
        "api_client",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("organisation_code", sa.String(10), sa.ForeignKey("organisation.code"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("registered_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME),
    )
    op.create_index("ix_api_client_organisation_code", "api_client", ["organisation_code"])
    op.create_table(
        "api_client_key",
        sa.Column("client_id", sa.String(64), sa.ForeignKey("api_client.client_id"), primary_key=True),
        sa.Column("kid", sa.String(200), primary_key=True),
        sa.Column("public_jwk", postgresql.JSONB, nullable=False),
        sa.Column("added_at", _TIME, nullable=False),
        sa.Column("revoked_at", _TIME),
    )
    op.create_table(
        "client_assertion_jti",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("jti", sa.String(200), primary_key=True),
        sa.Column("remember_until", _TIME, nullable=False),
    )
    op.create_index("ix_client_assertion_jti_remember_until", "client_assertion_jti", ["remember_until"])
    op.create_table(
        "signing_key",
        sa.Column("kid", sa.String(100), primary_key=True),
        sa.Column("public_jwk", postgresql.JSONB, nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary, nullable=False),
        sa.Column("key_encryption_key_id", sa.String(32), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("activates_at", _TIME, nullable=False),
        sa.Column("retires_at", _TIME),
    )
    op.create_table(
        "person_account",
        sa.Column("account_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("username", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(10), sa.ForeignKey("organisation.code"), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("external_provider", sa.String(50)),
        sa.Column("external_subject", sa.String(200)),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", _TIME),
        sa.Column("last_signed_in_at", _TIME),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("disabled_at", _TIME),
        sa.UniqueConstraint("external_provider", "external_subject", name="person_account_external_identity"),
    )
    op.create_index("ix_person_account_organisation_code", "person_account", ["organisation_code"])
    op.bulk_insert(organisation, [{"code": "pathfinder", "name": "Pathfinder", "role": "platform"}])


def downgrade() -> None:
    for table in ("person_account", "signing_key", "client_assertion_jti", "api_client_key", "api_client"):
        op.drop_table(table)
    op.drop_table("organisation")
