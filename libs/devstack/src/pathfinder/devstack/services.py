"""The platform's services as the platform command runs them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformService:
    name: str
    package: str
    env_prefix: str
    http_port: int

    @property
    def database_name(self) -> str:
        return "pathfinder_" + self.name.replace("-", "_")

    @property
    def migrations(self) -> str:
        return f"{self.package}:migrations"


SERVICES = (
    PlatformService("notifications", "pathfinder.notifications", "PATHFINDER_NOTIFICATIONS_", 8001),
    PlatformService("ehcp", "pathfinder.ehcp", "PATHFINDER_EHCP_", 8002),
    PlatformService("health-advice", "pathfinder.health_advice", "PATHFINDER_HEALTH_ADVICE_", 8003),
    PlatformService("identity", "pathfinder.identity", "PATHFINDER_IDENTITY_", 8004),
)
