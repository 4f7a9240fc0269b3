"""The composition root: wires adapters to handlers for the API, the workers and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from pathfinder.messaging.composition import outbox_relay
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.notifications.entrypoints.http import router
from pathfinder.notifications.settings import SERVICE, NotificationsSettings
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from pathfinder.persistence.database import create_engine, session_factory
from pathfinder.web.app import create_service_app
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SOURCE = "/pathfinder/notifications"


@dataclass
class NotificationsService:
    settings: NotificationsSettings
    kafka: KafkaSettings
    outbox: OutboxSettings
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.settings.database_url, pool_size=self.settings.database_pool_size)
        self.sessions = session_factory(self.engine)

    def unit_of_work(self) -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(self.sessions, source=SOURCE)

    def app(self) -> FastAPI:
        app = create_service_app(
            service=SERVICE,
            title="Pathfinder notifications",
            description="NHS bodies notify LAs of young children who may have SEN or a disability (CFA 2014 s23).",
            engine=self.engine,
            kafka=self.kafka,
            routers=[router],
        )
        app.state.unit_of_work = self.unit_of_work
        return app

    def relay(self) -> OutboxRelay:
        return outbox_relay(
            service=SERVICE,
            engine=self.engine,
            database_url=self.settings.database_url,
            kafka=self.kafka,
            settings=self.outbox,
        )

    def workers(self) -> list[Worker]:
        return [self.relay().run]


def bootstrap(
    settings: NotificationsSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
) -> NotificationsService:
    return NotificationsService(
        settings=settings or NotificationsSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
    )
