"""``PATHFINDER_LA_DELIVERY_*``: how events reach LA systems."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class LaDeliverySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_LA_DELIVERY_", extra="ignore")

    api_base_url: str = Field(
        default="https://api.pathfinder-send.org",
        description="Public base URL of the platform's APIs: deliveries link to the details there (dataref)",
    )
    secrets_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, base64url: seals LA subscriptions' webhook secrets and rest-hook header "
        "values in the database. Without it a throwaway key is made per process (development only: subscriptions "
        "made under it cannot deliver after a restart, nor from another process)",
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
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    topic_check_interval_seconds: float = Field(default=5.0, gt=0)
