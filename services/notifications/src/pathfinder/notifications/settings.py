"""``PATHFINDER_NOTIFICATIONS_*`` settings."""

from __future__ import annotations

from pathfinder.web.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict

SERVICE = "notifications"


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_NOTIFICATIONS_", extra="ignore")

    http_port: int = 8001
