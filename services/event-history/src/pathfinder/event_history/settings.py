"""``PATHFINDER_EVENT_HISTORY_*`` settings (the broker's and the consumers' are the shared ``PATHFINDER_KAFKA_*`` and
``PATHFINDER_CONSUMER_*``: the archive's consumer takes its batch size and session timeout from the latter)."""

from __future__ import annotations

from pathfinder.event_history.domain.replay_shard import MAX_SHARDS
from pathfinder.event_history.domain.retention import InvalidRetention, RetentionPolicy
from pathfinder.runtime.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

SERVICE = "event-history"


class EventHistorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_EVENT_HISTORY_", extra="ignore")

    http_port: int = 8005
    retention_days: dict[str, int] = Field(
        default_factory=dict,
        description='Days each named topic\'s records are kept (JSON, e.g. {"pathfinder.ehcp.lifecycle": 3650}); '
        "a topic not named is kept for ever",
    )
    prune_interval_seconds: float = Field(
        default=3600.0, gt=0, description="How often the worker prunes what retention no longer keeps"
    )
    prune_chunk: int = Field(default=5000, ge=1, description="Records of one topic pruned in one transaction")
    gap_check_outbox_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Read-only database URLs of services, by service name (JSON): the gap check compares their "
        "published outbox rows with the archive",
    )
    gap_check_settle_seconds: float = Field(
        default=60.0, ge=0, description="The gap check leaves out what was published this recently"
    )

    replay_batch_size: int = Field(
        default=1000, ge=1, le=50_000, description="Archived events a replay sends in one batch (one transaction)"
    )
    replay_idle_seconds: float = Field(
        default=1.0, gt=0, description="How long the replay worker waits before looking again when nothing runs"
    )
    replay_shards: int = Field(
        default=2, ge=1, le=MAX_SHARDS,
        description="Shards a replay is split into by partition key (each child's events in one, in order), sent "
        "side by side, each at its share of the rate",
    )  # fmt: skip
    replay_processes: int = Field(
        default=2, ge=0, le=MAX_SHARDS,
        description="Processes the worker starts to send replays, each sending one shard's batch at a time (0: the "
        "worker's own process sends them)",
    )  # fmt: skip

    @field_validator("retention_days")
    @classmethod
    def _retention_holds(cls, value: dict[str, int]) -> dict[str, int]:
        try:
            RetentionPolicy(value)
        except InvalidRetention as invalid:
            raise ValueError(str(invalid)) from None
        return value

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(self.retention_days)
