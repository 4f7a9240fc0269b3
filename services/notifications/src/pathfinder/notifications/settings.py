"""``PATHFINDER_NOTIFICATIONS_*`` settings, and ``PATHFINDER_LA_DELIVERY_*``: how events reach LA systems."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.runtime.settings import ServiceSettings
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    # Rate limits: token buckets in the service's database, shared by every API process; over one, 429 with
    # Retry-After (an OperationOutcome on the FHIR routes, else problem+json).
    inbound_rate_per_second: float = Field(
        default=10.0, gt=0, description="Each client's FHIR submissions ($process-message and /bulk) per second"
    )
    inbound_rate_burst: int = Field(default=50, ge=1, description="... and how many it may send at once")
    client_rate_per_second: float = Field(
        default=20.0, gt=0, description="Each client's other requests per second (subscriptions, status, reads)"
    )
    client_rate_burst: int = Field(default=200, ge=1, description="... and how many it may send at once")
    # As MESH's non-delivery report: the sender hears when the LA has not taken a notification on in time.
    acknowledgement_due_after: timedelta = Field(
        default=timedelta(days=5),
        gt=timedelta(0),
        description="How long after delivery the LA is expected to acknowledge (seconds or ISO 8601, e.g. P5D)",
    )
    acknowledgement_check_interval_seconds: float = Field(default=60.0, gt=0)

    def identity_key(self) -> bytes | None:
        """The private key of the platform client notifications calls identity as, from the setting or its file."""
        if self.identity_client_key_pem is not None:
            return self.identity_client_key_pem.get_secret_value().encode()
        if self.identity_client_key_file is not None:
            return self.identity_client_key_file.read_bytes()
        return None


class LaDeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_LA_DELIVERY_", extra="ignore")

    # Every delivery links to the details on the service that holds them (ce_dataref): these are the addresses
    # LA systems use, each service's own or a gateway's path to it. The defaults are `python3 dev.py up`'s.
    notifications_public_url: str = Field(
        default="http://127.0.0.1:8001",
        description="Public base URL of the notifications API (notification links, FHIR Subscription URLs)",
    )
    identity_public_url: str = Field(
        default="http://127.0.0.1:8004", description="Public base URL of the identity API (person links)"
    )
    ehcp_public_url: str = Field(default="http://127.0.0.1:8002", description="Public base URL of the ehcp API")
    max_subscriptions_per_la: int = Field(default=20, ge=1, description="Subscriptions one LA may hold at once")
    secrets_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, base64url: seals LA subscriptions' webhook secrets and rest-hook header "
        "values, and the details of children waiting for identity, in the database. Without it a throwaway key "
        "is made per process (development only: what is sealed under it cannot be opened after a restart, nor "
        "by another process)",
    )
    allow_loopback_http: bool = Field(
        default=False,
        description="Development only: allow plain-http endpoints on 127.0.0.1/localhost and loopback addresses",
    )
    retry_initial_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    retry_budget: int = Field(default=10, ge=1, description="Attempts before a delivery is parked")
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    request_timeout_seconds: float = Field(default=10.0, gt=0, description="Whole request, answer included")
    response_read_limit_bytes: int = Field(default=4096, ge=0)
    dispatchers: int = Field(default=4, ge=1, description="Deliveries in flight at once in one worker")
    in_flight_per_la: int = Field(
        default=2,
        ge=1,
        description="Deliveries in flight at once to one LA's endpoints, across every worker (one per endpoint): "
        "an LA whose endpoints hang holds no more lanes than this",
    )
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    topic_check_interval_seconds: float = Field(default=5.0, gt=0)

    @property
    def public_urls(self) -> PublicUrls:
        return PublicUrls(self.notifications_public_url, self.identity_public_url, self.ehcp_public_url)


class MeshSettings(BaseSettings):
    """``PATHFINDER_MESH_*``: NHS England's MESH, when the platform uses it. The platform's own mailboxes, with
    their passwords, are registered with ``pathfinder-notifications-mesh`` and kept sealed in the database."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_MESH_", extra="ignore")

    url: str | None = Field(
        default=None,
        description="MESH's base URL (e.g. https://mesh-sync.spineservices.nhs.uk); unset: MESH is off",
    )
    shared_key: SecretStr | None = Field(default=None, description="The environment's MESH shared key")
    ca_file: Path | None = Field(default=None, description="CA bundle MESH's certificate is checked against")
    client_cert_file: Path | None = Field(default=None, description="The platform's MESH client certificate")
    client_key_file: Path | None = Field(default=None, description="... and its private key")
    sending_mailbox: str | None = Field(
        default=None, description="The platform mailbox LA events and replies go from (default: the first registered)"
    )
    collect_interval_seconds: float = Field(default=30.0, gt=0, description="How often inboxes are checked")
    track_interval_seconds: float = Field(default=300.0, gt=0, description="How often sent messages are tracked")
    max_chunk_bytes: int = Field(default=20_000_000, ge=1024, description="Larger messages go in chunks")
    timeout_seconds: float = Field(default=60.0, gt=0)
    retries: int = Field(default=3, ge=0, description="Retries of a busy (429) or failing (5xx) MESH request")
    retry_backoff_seconds: float = Field(default=0.5, ge=0)

    @property
    def enabled(self) -> bool:
        return self.url is not None
