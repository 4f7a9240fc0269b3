"""``PATHFINDER_IDENTITY_*`` settings."""

from __future__ import annotations

from pathfinder.runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "identity"


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_IDENTITY_", extra="ignore")

    http_port: int = 8004
