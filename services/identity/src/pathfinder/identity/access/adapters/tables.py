"""Tables of organisations, API clients, their keys, spent assertion ids, identity's signing keys and people's
accounts (migration 0002_access creates them)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

access_metadata = MetaData()

ROLES = "('local-authority', 'icb', 'nhs-trust', 'platform')"

organisation = Table(
    "organisation",
    access_metadata,
    Column("code", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(f"role IN {ROLES}", name="organisation_role_known"),
)

api_client = Table(
    "api_client",
    access_metadata,
    Column("client_id", String(64), primary_key=True),
    Column("organisation_code", String(10), ForeignKey("organisation.code"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("scopes", ARRAY(String(40)), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

api_client_key = Table(
    "api_client_key",
    access_metadata,
    Column("client_id", String(64), ForeignKey("api_client.client_id"), primary_key=True),
    Column("kid", String(200), primary_key=True),
    Column("public_jwk", JSONB, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

# A jti is spent by inserting it: the primary key makes a replay fail in any process. Rows older than the
# assertion they came from could ever be valid are purged.
client_assertion_jti = Table(
    "client_assertion_jti",
    access_metadata,
    Column("client_id", String(64), primary_key=True),
    Column("jti", String(200), primary_key=True),
    Column("remember_until", DateTime(timezone=True), nullable=False, index=True),
)

signing_key = Table(
    "signing_key",
    access_metadata,
    Column("kid", String(100), primary_key=True),
    Column("public_jwk", JSONB, nullable=False),
    Column("encrypted_private_key", LargeBinary, nullable=False),
    Column("key_encryption_key_id", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("activates_at", DateTime(timezone=True), nullable=False),
    Column("retires_at", DateTime(timezone=True)),
)

person_account = Table(
    "person_account",
    access_metadata,
    Column("account_id", UUID(as_uuid=True), primary_key=True),
    Column("username", String(254), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("organisation_code", String(10), ForeignKey("organisation.code"), nullable=False, index=True),
    Column("scopes", ARRAY(String(40)), nullable=False),
    Column("password_hash", Text),
    # Room for people who sign in with an external provider (NHS CIS2): its subject maps to this account.
    Column("external_provider", String(50)),
    Column("external_subject", String(200)),
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Column("last_signed_in_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
    UniqueConstraint("external_provider", "external_subject", name="person_account_external_identity"),
)
