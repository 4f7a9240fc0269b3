"""The event history on the real servers: the service as its composition root builds it on a migrated database,
its API driven in-process with access tokens for any caller; and a producing service's real publishing path (its
outbox, its relay, and a consumer group that dead-letters what it is told to refuse)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import httpx
from pathfinder.auth import Principal
from pathfinder.auth.testing import TokenMint, token_mint
from pathfinder.contracts import ContractEvent, EarlyYearsNotificationReceived
from pathfinder.event_history.adapters.tables import archived_event
from pathfinder.event_history.bootstrap import EventHistoryService, bootstrap
from pathfinder.event_history.settings import EventHistorySettings
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.outbox import OutboxMessage, message_for_event
from pathfinder.messaging.relay import OutboxRelay
from pathfinder.messaging.schema import install_messaging_schema_v1, outbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription
from pathfinder.messaging.workers import Worker
from pathfinder.persistence.database import asyncpg_dsn, create_engine, session_factory
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = "pathfinder.event_history:migrations"
PRODUCER_GROUP = "tests.intake"
PRODUCER_DEAD_LETTERS = f"{PRODUCER_GROUP}.dead-letter"
NOBODY_LISTENS = KafkaSettings(bootstrap_servers="127.0.0.1:9")


def quick_consumers(**overrides: Any) -> ConsumerSettings:
    settings: dict[str, Any] = {"max_attempts": 1, "backoff_initial_seconds": 0.0, "session_timeout_ms": 6000}
    return ConsumerSettings(**{**settings, **overrides})


async def archive_service(
    url: str, kafka: KafkaSettings = NOBODY_LISTENS, *, mint: TokenMint | None = None,
    consumer: ConsumerSettings | None = None, **settings: Any,
) -> EventHistoryService:  # fmt: skip
    await upgrade_to_head(MIGRATIONS, url)
    return bootstrap(
        EventHistorySettings(database_url=url, **settings), kafka, consumer=consumer or quick_consumers(),
        auth=(mint or token_mint()).auth_settings(),
    )  # fmt: skip


async def archived_rows(service: EventHistoryService) -> list[Any]:
    async with service.engine.connect() as connection:
        query = select(archived_event).order_by(archived_event.c.position)
        return list((await connection.execute(query)).all())


@asynccontextmanager
async def running(*workers: Worker) -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(worker(stop)) for worker in workers]
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def wait_until(condition: Callable[[], Awaitable[bool]], *, timeout: float = 60.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.2)


@dataclass
class Api:
    http: httpx.AsyncClient
    mint: TokenMint

    async def get(self, path: str, who: Principal, reason: str | None = "INC-1: checking", **params: Any) -> Any:
        headers = self.mint.headers_for(who)
        if reason is not None:
            headers["Pathfinder-Reason"] = reason
        return await self.http.get(path, params=params, headers=headers)


@asynccontextmanager
async def api_of(service: EventHistoryService, mint: TokenMint) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=service.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://event-history") as http:
        yield Api(http, mint)


@dataclass
class Producer:
    """A service's own database with the messaging tables, publishing the platform's way."""

    engine: AsyncEngine
    database_url: str
    kafka: KafkaSettings
    refused: set[UUID] = field(default_factory=set)  # notification ids its consumer's handler refuses

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory(self.engine), source="/pathfinder/notifications")

    async def publish(self, events: Sequence[ContractEvent], *, correlation_id: str | None = None) -> list[UUID]:
        messages = [message_for_event(event, source="/pathfinder/notifications", correlation_id=correlation_id)
                    for event in events]  # fmt: skip
        await self.publish_raw(messages)
        return [message.event_id for message in messages]

    async def publish_raw(self, messages: Sequence[OutboxMessage]) -> None:
        async with self.unit_of_work() as uow:
            for message in messages:
                uow.publish_raw(message)
            await uow.commit()

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            service="notifications", engine=self.engine, listen_dsn=asyncpg_dsn(self.database_url), kafka=self.kafka,
            settings=OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5),
            topics=[EarlyYearsNotificationReceived.topic, PRODUCER_DEAD_LETTERS],
        )  # fmt: skip

    def consumer(self) -> EventConsumer[SqlUnitOfWork]:
        refused = self.refused

        async def apply(event: EarlyYearsNotificationReceived, _uow: SqlUnitOfWork, _context: EventContext) -> None:
            if event.notification_id in refused:
                raise RuntimeError("the handler refuses this event")

        intake = Subscription[SqlUnitOfWork]("intake").on(EarlyYearsNotificationReceived, apply)
        return EventConsumer(
            service="tests",
            subscription=intake,
            uow_factory=self.unit_of_work,
            engine=self.engine,
            kafka=self.kafka,
            settings=quick_consumers(),
        )

    async def unpublished(self) -> int:
        async with self.engine.connect() as connection:
            found = await connection.execute(select(func.count()).where(outbox.c.published_at.is_(None)))
            return int(found.scalar_one())

    async def published(self) -> int:
        async with self.engine.connect() as connection:
            found = await connection.execute(select(func.count()).where(outbox.c.published_at.is_not(None)))
            return int(found.scalar_one())


@asynccontextmanager
async def producer_on(url: str, kafka: KafkaSettings) -> AsyncIterator[Producer]:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(install_messaging_schema_v1)
    try:
        yield Producer(engine, url, kafka)
    finally:
        await engine.dispose()
