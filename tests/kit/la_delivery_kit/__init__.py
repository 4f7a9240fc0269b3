"""Notifications delivering to LAs through its own workers on the real broker: the service as its worker process
builds it, beside the API of ``notifications_kit.service.la_delivery_service`` on the same database; the LAs'
subscriptions to the Received event; and an LA's topic read as the LA would read it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from notifications_kit.fakes import FakeIdentity
from notifications_kit.service import LaDeliveryUnderTest
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.webhook_receiver import WebhookReceiver
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.settings import LaDeliverySettings

RECEIVED = EarlyYearsNotificationReceived.event_type


def delivering_service(
    world: LaDeliveryUnderTest, bootstrap_servers: str, delivery: LaDeliverySettings
) -> NotificationsService:
    """Notifications on ``world``'s database and the broker at ``bootstrap_servers``, delivering with ``delivery``;
    quick to poll and to recover, and identity naming a new child for each notification. Its workers are not yet
    running (``working``); the test disposes of its engine."""
    return bootstrap(
        world.service.settings,
        KafkaSettings(bootstrap_servers=bootstrap_servers, profile="embedded", topic_partitions=3),
        OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
        auth=world.mint.auth_settings(),
        consumer=ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
        identity=FakeIdentity(answer="new-child"),
        delivery=delivery,
    )


@asynccontextmanager
async def working(service: NotificationsService) -> AsyncIterator[None]:
    """All of the service's workers as asyncio tasks, stopped and awaited on the way out."""
    stop = asyncio.Event()
    workers = [asyncio.create_task(worker(stop)) for worker in service.workers()]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)


async def kafka_subscription(world: LaDeliveryUnderTest, la_code: str) -> dict[str, Any]:
    """``la_code``'s subscription to the Received event on its Kafka topic."""
    return await world.subscribe(la_code, channel="kafka", event_types=[RECEIVED])


async def webhook_subscription(world: LaDeliveryUnderTest, la_code: str, receiver: WebhookReceiver) -> dict[str, Any]:
    """``la_code``'s subscription to the Received event by webhook to ``receiver``, signed with its secret."""
    return await world.subscribe(
        la_code, channel="webhook", event_types=[RECEIVED], endpoint=receiver.url, secrets=[receiver.secret]
    )


async def read_topic(
    bootstrap_servers: str, topic: str, expected: int, timeout: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic``: at least ``expected`` of them, read for a while longer so that more would show."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap_servers, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        for _ in range(3):
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records
