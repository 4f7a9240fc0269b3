# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""An LA's own Kafka client, not the one the platform uses (librdkafka through confluent-kafka), reads its
delivery topic on the real embedded broker: person-id keys, CloudEvents headers, event JSON values, and only
its own children, while another LA's children go to that LA's topic."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message
from notifications_kit.fakes import FakeIdentity
from notifications_kit.service import la_delivery_service, notify
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.notifications.settings import LaDeliverySettings

RECEIVED = EarlyYearsNotificationReceived.event_type
READER, OTHER = "841", "805"
PER_LA = 3


def header(message: Message, name: str) -> str | None:
    headers = message.headers() or []
    pairs = headers.items() if isinstance(headers, dict) else headers
    for key, value in pairs:
        if key == name:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


def read_with_confluent(bootstrap_servers: str, topic: str, expected: int, timeout: float = 45.0) -> list[Message]:
    """Blocking: a plain librdkafka consumer in the LA's own group, polled until ``expected`` records arrived
    (then a little longer, so anything extra would show) or the deadline passed."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap_servers,
            "group.id": f"la-{READER}.reader",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "topic.metadata.refresh.interval.ms": 1000,
        }
    )
    records: list[Message] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        settle_until: float | None = None
        while time.monotonic() < deadline and (settle_until is None or time.monotonic() < settle_until):
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                # The worker creates the LA's topic moments after it starts: until then librdkafka says so.
                transient = (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART)
                assert error.code() in transient, error
                continue
            records.append(message)
            if len(records) >= expected and settle_until is None:
                settle_until = time.monotonic() + 1.5
    finally:
        consumer.close()
    return records


async def test_an_la_reads_only_its_own_childrens_events_with_confluent_kafka(fresh_broker, fresh_database) -> None:
    delivery = LaDeliverySettings(
        retry_initial_seconds=0.05, poll_interval_seconds=0.05, topic_check_interval_seconds=0.2
    )
    async with la_delivery_service(await fresh_database("la_topic_confluent"), delivery) as world:
        kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
        service = bootstrap(
            world.service.settings,
            kafka,
            OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
            auth=world.mint.auth_settings(),
            consumer=ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
            delivery=delivery,
            identity=FakeIdentity(answer="new-child"),
        )
        for la_code in (READER, OTHER):
            await world.subscribe(la_code, channel="kafka", event_types=[RECEIVED])
        children = {la_code: await notify_children(service, la_code) for la_code in (READER, OTHER)}
        stop = asyncio.Event()
        workers = [asyncio.create_task(worker(stop)) for worker in service.workers()]
        try:
            records = await asyncio.to_thread(read_with_confluent, kafka.bootstrap_servers, la_topic(READER), PER_LA)
        finally:
            stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await service.engine.dispose()

    assert la_topic(READER) == "pathfinder.la.841.events"
    assert len(records) == PER_LA
    assert {record.topic() for record in records} == {"pathfinder.la.841.events"}
    keys = {(record.key() or b"").decode() for record in records}
    assert keys == children[READER] and not keys & children[OTHER]
    for record in records:
        assert header(record, "ce_type") == RECEIVED
        assert header(record, "ce_id")
        assert header(record, "ce_lacode") == READER
        event: dict[str, Any] = json.loads(record.value() or b"")
        assert event["person_id"] == (record.key() or b"").decode()
        assert event["responsible_la"] == READER
    assert len({header(record, "ce_id") for record in records}) == PER_LA


async def notify_children(service, la_code: str) -> set[str]:
    """PER_LA notifications, each of its own child, from a trust for ``la_code``; the children's person ids."""
    children = {(await notify(service, responsible_la=la_code)).person_id for _ in range(PER_LA)}
    assert None not in children, "identity names every child"
    return {str(child) for child in children}
