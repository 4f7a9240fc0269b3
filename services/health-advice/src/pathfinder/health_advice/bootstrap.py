"""The composition root: wires adapters to handlers for the API, the workers and the tests.

The service's own features arrive with their issues; until then it runs the shared runtime: its database,
health probes and an outbox relay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI
from pathfinder.health_advice.settings import SERVICE, HealthAdviceSettings
from pathfinder.messaging.composition import outbox_relay
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.persistence.database import create_engine
from pathfinder.web.app import create_service_app
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class HealthAdviceService:
    settings: HealthAdviceSettings
    kafka: KafkaSettings
    outbox: OutboxSettings
    engine: AsyncEngine = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.settings.database_url, pool_size=self.settings.database_pool_size)

    def app(self) -> FastAPI:
        return create_service_app(
            service=SERVICE,
            title="Pathfinder health advice",
            description="Advice requests to health with their 6-week deadlines (SEND Regulations 2014, reg 8).",
            engine=self.engine,
            kafka=self.kafka,
            routers=[],
        )

    def workers(self) -> list[Worker]:
        relay = outbox_relay(
            service=SERVICE,
            engine=self.engine,
            database_url=self.settings.database_url,
            kafka=self.kafka,
            settings=self.outbox,
        )
        return [relay.run]


def bootstrap(settings: HealthAdviceSettings | None = None, kafka: KafkaSettings | None = None) -> HealthAdviceService:
    return HealthAdviceService(
        settings=settings or HealthAdviceSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=OutboxSettings(),
    )
