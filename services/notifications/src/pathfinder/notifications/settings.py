"""``PATHFINDER_NOTIFICATIONS_*`` settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pathfinder.runtime.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

SERVICE = "notifications"


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_NOTIFICATIONS_", extra="ignore")

    http_port: int = 8001

    # Identity's person index, called with a platform client's access token (private_key_jwt).
    identity_url: str | None = None
    identity_client_id: str | None = None
    identity_client_key_file: Path | None = None
    identity_client_key_pem: SecretStr | None = None
    identity_timeout_seconds: float = 5.0
    identity_retry_interval_seconds: float = 5.0
    # Limits of the FHIR endpoints for NHS bodies.
    inbound_max_body_bytes: int = 1_000_000
    inbound_max_bulk_body_bytes: int = 50_000_000
    inbound_max_json_depth: int = 32
    inbound_max_bulk_entries: int = 5_000
    inbound_rate_per_second: float = 10.0
    inbound_rate_burst: int = 50
    # As MESH's non-delivery report: the sender hears when the LA has not taken a notification on in time.
    acknowledgement_due_after: timedelta = Field(
        default=timedelta(days=5),
        gt=timedelta(0),
        description="How long after delivery the LA is expected to acknowledge (seconds or ISO 8601, e.g. P5D)",
    )
    acknowledgement_check_interval_seconds: float = Field(default=60.0, gt=0)
