"""``PATHFINDER_HEALTH_ADVICE_*`` settings."""

from __future__ import annotations

from pathfinder.runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "health-advice"


class HealthAdviceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_HEALTH_ADVICE_", extra="ignore")

    http_port: int = 8003
