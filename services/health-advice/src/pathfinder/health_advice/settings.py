"""``PATHFINDER_HEALTH_ADVICE_*`` settings."""

from __future__ import annotations

from pathfinder.auth.settings import trusted_url
from pathfinder.runtime.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "health-advice"


class HealthAdviceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_HEALTH_ADVICE_", extra="ignore")

    http_port: int = 8003
    alert_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often the worker looks for due-soon and overdue alerts when it found none"
    )
    alert_batch: int = Field(default=100, ge=1, description="Requests whose alerts are raised in one transaction")
    open_gauge_interval_seconds: float = Field(
        default=300.0, gt=0, description="How often the worker counts open requests by red/amber/green for the gauge"
    )


class DashboardSettings(BaseSettings):
    """``PATHFINDER_HEALTH_ADVICE_DASHBOARD_*``: the DCO's dashboard, whose people sign in through identity."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_HEALTH_ADVICE_DASHBOARD_", extra="ignore")

    identity_url: str | None = Field(
        default=None,
        description="Base URL of identity's API, which the dashboard's sign-in form posts to from the server "
        "(default: PATHFINDER_AUTH_ISSUER)",
    )
    identity_timeout_seconds: float = Field(default=10.0, gt=0)
    secure_cookie: bool = Field(
        default=False,
        description="Mark the session cookie Secure even when the request reached the service over http (a proxy "
        "ends TLS in front of it); over https it is always Secure",
    )

    @field_validator("identity_url")
    @classmethod
    def _identity_is_trusted(cls, value: str | None) -> str | None:
        return None if value is None else trusted_url(value, "PATHFINDER_HEALTH_ADVICE_DASHBOARD_IDENTITY_URL")
