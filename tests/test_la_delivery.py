# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Three LAs subscribe on Kafka and by webhook; on the real embedded broker and PostgreSQL each receives
exactly its own children's events, on both channels, through the notifications worker's la-delivery consumer."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack

from la_delivery_kit import delivering_service, kafka_subscription, read_topic, webhook_subscription, working
from notifications_kit.messages import wait_for
from notifications_kit.service import la_delivery_service, notify
from pathfinder.contracts.notifications import EarlyYearsNotificationDeliveredToLa
from pathfinder.devstack.webhook_receiver import new_secret, running_receiver
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.schema import outbox
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import func, select

LAS = ("841", "805", "806")
PER_LA = 4


async def test_each_la_receives_exactly_its_own_childrens_events_on_kafka_and_webhooks(
    fresh_broker, fresh_database
) -> None:
    delivery = LaDeliverySettings(allow_loopback_http=True, retry_initial_seconds=0.05, poll_interval_seconds=0.05)
    async with la_delivery_service(await fresh_database("la_delivery"), delivery) as world:
        service = delivering_service(
            world,
            fresh_broker.bootstrap_servers,
            LaDeliverySettings(**{**delivery.model_dump(), "topic_check_interval_seconds": 0.2}),
        )
        with ExitStack() as stack:
            receivers = {}
            for la_code in LAS:
                receivers[la_code] = stack.enter_context(running_receiver(new_secret()))
                await kafka_subscription(world, la_code)
                await webhook_subscription(world, la_code, receivers[la_code])
            children = {la_code: await notify_children(service, la_code) for la_code in LAS}
            async with working(service):
                topics = await asyncio.gather(
                    *(read_topic(service.kafka.bootstrap_servers, la_topic(la), PER_LA) for la in LAS)
                )
                await wait_for(lambda: all(len(r.accepted) >= PER_LA for r in receivers.values()))
                await wait_for(lambda: delivered_to_la_events(service, expected=2 * PER_LA * len(LAS)))
            await service.engine.dispose()

        for la_code, records in zip(LAS, topics, strict=True):
            assert len(records) == PER_LA, la_code
            assert {record.key.decode() for record in records} == children[la_code]
            assert {header_value(record.headers, "ce_lacode") for record in records} == {la_code}
            for record in records:
                link = header_value(record.headers, "ce_dataref") or ""
                assert link.endswith(f"/early-years-notifications/{json.loads(record.value)['notification_id']}")
        for la_code, receiver in receivers.items():
            assert len(receiver.accepted) == PER_LA and receiver.bad_signatures == 0
            assert {item.body["subject"] for item in receiver.accepted} == children[la_code]
            assert {item.body["lacode"] for item in receiver.accepted} == {la_code}


async def notify_children(service, la_code: str) -> set[str]:
    """PER_LA notifications, each of its own child, from a trust for ``la_code``; the children's person ids."""
    children = {(await notify(service, responsible_la=la_code)).person_id for _ in range(PER_LA)}
    assert None not in children, "identity names every child"
    return {str(child) for child in children}


async def delivered_to_la_events(service, *, expected: int) -> bool:
    async with service.engine.connect() as connection:
        query = select(func.count()).where(outbox.c.event_type == EarlyYearsNotificationDeliveredToLa.event_type)
        return int((await connection.execute(query)).scalar_one()) == expected
