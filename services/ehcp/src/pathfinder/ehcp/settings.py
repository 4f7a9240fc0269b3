"""``PATHFINDER_EHCP_*`` settings."""

from __future__ import annotations

from pathfinder.runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "ehcp"


class EhcpSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_EHCP_", extra="ignore")

    http_port: int = 8002
