"""What every service's composition root shares: its database, its API, its relay and consumers.

A service subclasses :class:`ServiceRuntime`, names itself, and overrides what it has: routers, a unit of
work, consumers. The composition root stays the one place where adapters meet handlers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from fastapi import APIRouter, FastAPI
from pathfinder.messaging.composition import outbox_relay
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.persistence.database import create_engine, session_factory
from pathfinder.web.app import create_service_app
from pathfinder.web.settings import ServiceSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


@dataclass
class ServiceRuntime:
    service: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]

    settings: ServiceSettings
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    consumer: ConsumerSettings = field(default_factory=ConsumerSettings)
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.settings.database_url, pool_size=self.settings.database_pool_size)
        self.sessions = session_factory(self.engine)

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of every event this service emits."""
        return f"/pathfinder/{self.service}"

    def routers(self) -> list[APIRouter]:
        return []

    def consumers(self) -> list[EventConsumer[Any]]:
        return []

    def configure_app(self, app: FastAPI) -> None:
        """Subclasses put what their routes depend on into ``app.state``."""

    def app(self) -> FastAPI:
        app = create_service_app(
            service=self.service,
            title=self.title,
            description=self.description,
            engine=self.engine,
            kafka=self.kafka,
            routers=self.routers(),
        )
        self.configure_app(app)
        return app

    def relay(self, consumers: list[EventConsumer[Any]]) -> OutboxRelay:
        return outbox_relay(
            service=self.service,
            engine=self.engine,
            database_url=self.settings.database_url,
            kafka=self.kafka,
            settings=self.outbox,
            consumers=consumers,
        )

    def workers(self) -> list[Worker]:
        consumers = self.consumers()
        return [self.relay(consumers).run, *(consumer.run for consumer in consumers)]
