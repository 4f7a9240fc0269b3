"""``PATHFINDER_EHCP_*`` settings."""

from __future__ import annotations

from pathfinder.runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

SERVICE = "ehcp"


class EhcpSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_EHCP_", extra="ignore")

    http_port: int = 8002
    # A token bucket per client in the service's database, shared by every API process; over it, 429 with
    # Retry-After.
    client_rate_per_second: float = Field(default=20.0, gt=0, description="Each client's requests per second")
    client_rate_burst: int = Field(default=200, ge=1, description="... and how many it may send at once")
    timer_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often the worker looks for due timers when it found none"
    )
    timer_batch: int = Field(default=100, ge=1, description="Timers fired in one transaction at most")
    risk_watch_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often the early warning looks over every open assessment"
    )
