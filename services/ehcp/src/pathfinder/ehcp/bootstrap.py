"""The composition root: wires adapters to handlers for the API, the workers and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from pathfinder.ehcp.entrypoints.http import router
from pathfinder.ehcp.handlers import EARLY_YEARS_INTAKE
from pathfinder.ehcp.settings import SERVICE, EhcpSettings
from pathfinder.ehcp.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.composition import outbox_relay
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.persistence.database import create_engine, session_factory
from pathfinder.web.app import create_service_app
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SOURCE = "/pathfinder/ehcp"


@dataclass
class EhcpService:
    settings: EhcpSettings
    kafka: KafkaSettings
    outbox: OutboxSettings
    consumer: ConsumerSettings
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.settings.database_url, pool_size=self.settings.database_pool_size)
        self.sessions = session_factory(self.engine)

    def unit_of_work(self) -> EhcpUnitOfWork:
        return EhcpUnitOfWork(self.sessions, source=SOURCE)

    def app(self) -> FastAPI:
        app = create_service_app(
            service=SERVICE,
            title="Pathfinder EHC needs assessments and plans",
            description="The EHC needs assessment and plan lifecycle with its statutory clock.",
            engine=self.engine,
            kafka=self.kafka,
            routers=[router],
        )
        app.state.unit_of_work = self.unit_of_work
        return app

    def consumers(self) -> list[EventConsumer[EhcpUnitOfWork]]:
        return [
            EventConsumer(
                service=SERVICE,
                subscription=EARLY_YEARS_INTAKE,
                uow_factory=self.unit_of_work,
                engine=self.engine,
                kafka=self.kafka,
                settings=self.consumer,
            )
        ]

    def relay(self, consumers: list[EventConsumer[EhcpUnitOfWork]]) -> OutboxRelay:
        return outbox_relay(
            service=SERVICE,
            engine=self.engine,
            database_url=self.settings.database_url,
            kafka=self.kafka,
            settings=self.outbox,
            consumers=consumers,
        )

    def workers(self) -> list[Worker]:
        consumers = self.consumers()
        return [self.relay(consumers).run, *(consumer.run for consumer in consumers)]


def bootstrap(
    settings: EhcpSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    consumer: ConsumerSettings | None = None,
) -> EhcpService:
    return EhcpService(
        settings=settings or EhcpSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        consumer=consumer or ConsumerSettings(),
    )
