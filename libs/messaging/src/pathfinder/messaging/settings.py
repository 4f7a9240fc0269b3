"""Broker settings, shared by every service (one Kafka cluster, many services)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

BrokerProfile = Literal["apache", "embedded"]


class KafkaSettings(BaseSettings):
    """``PATHFINDER_KAFKA_*``: where the broker is and what it can do."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_KAFKA_", extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    profile: BrokerProfile = Field(
        default="apache",
        description="apache: Apache Kafka semantics (idempotent producer). embedded: the Tansu broker, "
        "which has no InitProducerId and forgets everything when it restarts.",
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    topic_partitions: int = Field(default=6, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)


class OutboxSettings(BaseSettings):
    """``PATHFINDER_OUTBOX_*``: how the relay moves outbox rows to the broker."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_OUTBOX_", extra="ignore")

    batch_size: int = Field(default=500, ge=1)
    lease_seconds: float = Field(default=15.0, gt=0, description="A crashed relay's lanes move after this")
    max_lanes_per_relay: int = Field(default=16, ge=1, le=16)
    poll_interval_seconds: float = Field(default=1.0, gt=0, description="Fallback when no NOTIFY arrives")
    broker_check_interval_seconds: float = Field(default=5.0, gt=0)
    retention_hours: float = Field(
        default=168.0,
        gt=0,
        description="Published rows are kept this long so they can be re-published to a broker that lost them",
    )


class ConsumerSettings(BaseSettings):
    """``PATHFINDER_CONSUMER_*``: retries and batching of event consumers."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_CONSUMER_", extra="ignore")

    max_attempts: int = Field(default=5, ge=1, description="Handler attempts before an event is dead-lettered")
    backoff_initial_seconds: float = Field(default=0.2, ge=0)
    backoff_max_seconds: float = Field(default=5.0, ge=0)
    max_batch: int = Field(default=500, ge=1)
    session_timeout_ms: int = Field(default=10_000, ge=1000)
