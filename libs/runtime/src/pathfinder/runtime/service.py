"""What every service's composition root shares: its database, its API, its relay and consumers.

A service's composition root subclasses :class:`ServiceRuntime` for its own settings type, names itself, and
overrides what it has: routers, what its routes depend on, consumers, other workers. It stays the one place
where adapters meet handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from fastapi import APIRouter, FastAPI
from pathfinder.messaging.broker import TopicAdmin
from pathfinder.messaging.composition import outbox_relay
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import Subscription
from pathfinder.messaging.workers import Worker, repeating
from pathfinder.persistence.database import asyncpg_dsn, create_engine, session_factory
from pathfinder.persistence.notified_channel import NotifiedChannel
from pathfinder.persistence.token_buckets import SqlTokenBuckets
from pathfinder.runtime.readiness import broker_check, database_check
from pathfinder.runtime.settings import ServiceSettings
from pathfinder.web.app import create_service_app
from pathfinder.web.health import Readiness, ReadinessCheck
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
UoW = TypeVar("UoW", bound=SqlUnitOfWork)


@dataclass
class ServiceRuntime(Generic[SettingsT]):
    service: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    keeps_token_buckets: ClassVar[bool] = False
    """Its migrations made the rate limits' table (``install_token_buckets_v1``): its worker forgets full buckets."""

    settings: SettingsT
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    consumer: ConsumerSettings = field(default_factory=ConsumerSettings)
    engine: AsyncEngine = field(init=False)
    sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.engine = create_engine(self.settings.database_url, pool_size=self.settings.database_pool_size)
        self.sessions = session_factory(self.engine)

    @cached_property
    def token_buckets(self) -> SqlTokenBuckets:
        """Rate limits' buckets, shared by every API process of the service (see ``keeps_token_buckets``)."""
        return SqlTokenBuckets(self.engine)

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of every event this service emits."""
        return f"/pathfinder/{self.service}"

    def routers(self) -> Sequence[APIRouter]:
        return ()

    def configure_app(self, app: FastAPI) -> None:
        """Subclasses install what their routes depend on (see each service's ``entrypoints`` for how)."""

    def body_allowances(self) -> Mapping[str, int | None]:
        """Routes (by declared path) whose bodies may be larger than ``http_max_body_bytes``, or (``None``) that
        limit their bodies themselves; see :mod:`pathfinder.web.body_limit`."""
        return {}

    def readiness_checks(self) -> Mapping[str, ReadinessCheck]:
        """Checks besides the database and the broker that must pass before the API is ready."""
        return {}

    def closers(self) -> Sequence[Callable[[], Awaitable[None]]]:
        """What the API process closes when it stops, besides the broker admin client and the engine."""
        return ()

    def app(self) -> FastAPI:
        admin = TopicAdmin(self.kafka, client_id=f"{self.service}-api")
        checks = {"database": database_check(self.engine), "broker": broker_check(admin), **self.readiness_checks()}
        app = create_service_app(
            title=self.title,
            description=self.description,
            readiness=Readiness(checks),
            routers=self.routers(),
            on_shutdown=[admin.close, *self.closers(), self.engine.dispose],
            max_body_bytes=self.settings.http_max_body_bytes,
            body_allowances=self.body_allowances(),
        )
        self.configure_app(app)
        return app

    def consumer_of(self, subscription: Subscription[UoW], unit_of_work: Callable[[], UoW]) -> EventConsumer[UoW]:
        return EventConsumer(
            service=self.service,
            subscription=subscription,
            uow_factory=unit_of_work,
            engine=self.engine,
            kafka=self.kafka,
            settings=self.consumer,
        )

    def consumers(self) -> Sequence[EventConsumer[Any]]:
        return ()

    def relay(self, consumers: Sequence[EventConsumer[Any]]) -> OutboxRelay:
        return outbox_relay(
            service=self.service,
            engine=self.engine,
            database_url=self.settings.database_url,
            kafka=self.kafka,
            settings=self.outbox,
            consumers=consumers,
        )

    def notices(self, channel: str) -> NotifiedChannel:
        """A worker's wake-up when a trigger of this service's database notifies ``channel``."""
        return NotifiedChannel(asyncpg_dsn(self.settings.database_url), channel)

    def other_workers(self) -> Sequence[Worker]:
        """Timers and loops besides the relay and the consumers."""
        return ()

    def workers(self) -> list[Worker]:
        """The relay (which also publishes the consumers' dead letters), the consumers and the other workers."""
        consumers = self.consumers()
        workers = [self.relay(consumers).run, *(consumer.run for consumer in consumers), *self.other_workers()]
        if self.keeps_token_buckets:
            workers.append(repeating("rate limit buckets", self.token_buckets.forget_full, idle_seconds=60))
        return workers
