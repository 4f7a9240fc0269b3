"""Wiring shared by every service's composition root."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pathfinder.contracts import topics_produced_by
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.persistence.database import asyncpg_dsn
from sqlalchemy.ext.asyncio import AsyncEngine


def outbox_relay(
    *,
    service: str,
    engine: AsyncEngine,
    database_url: str,
    kafka: KafkaSettings,
    settings: OutboxSettings,
    consumers: Sequence[EventConsumer[Any]] = (),
) -> OutboxRelay:
    """The relay publishes the service's own event topics and its consumers' dead-letter topics. It also makes
    sure its consumers' redrive topics exist (again, after the broker lost its log): the service owns them, and
    whoever redrives into them may not create topics."""
    topics = [
        *topics_produced_by(service),
        *(consumer.dead_letter_topic for consumer in consumers),
        *(consumer.redrive_topic for consumer in consumers),
    ]
    return OutboxRelay(
        service=service,
        engine=engine,
        listen_dsn=asyncpg_dsn(database_url),
        kafka=kafka,
        settings=settings,
        topics=topics,
    )
