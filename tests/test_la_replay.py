# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""A replay from the archive to one LA subscription (ADR 0011), on the real embedded broker and PostgreSQL, through
the notifications worker: records on pathfinder.replay.la-delivery, built as the event-history service builds them
(the event's record as first published, plus the replay's id and the subscription's), reach the named subscription
only, on its channel, marked as a replay; the same record twice delivers once and a new replay again; an event of
another LA's child is refused and dead-lettered with the reason."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaProducer
from la_delivery_kit import delivering_service, kafka_subscription, read_topic, webhook_subscription, working
from notifications_kit.messages import received_event, wait_for
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.contracts.wire import (
    EPOCH_HEADER,
    REPLAY_ID_HEADER,
    REPLAY_LA_DELIVERY_TOPIC,
    REPLAY_SUBSCRIPTION_HEADER,
    dead_letter_topic,
)
from pathfinder.devstack.webhook_receiver import WebhookReceiver, new_secret, running_receiver
from pathfinder.messaging.broker import TopicAdmin, topic_specs
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.outbox import OutboxMessage, message_for_event
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.adapters.tables import la_delivery
from pathfinder.notifications.bootstrap import NotificationsService
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import select

DEAD_LETTERS = dead_letter_topic("notifications.replay-delivery")


@dataclass
class ReplayWorld:
    world: LaDeliveryUnderTest
    service: NotificationsService
    kafka: KafkaSettings
    producer: AIOKafkaProducer

    async def webhook(self, la_code: str, receiver: WebhookReceiver) -> UUID:
        return UUID((await webhook_subscription(self.world, la_code, receiver))["id"])

    async def kafka_subscription(self, la_code: str) -> UUID:
        return UUID((await kafka_subscription(self.world, la_code))["id"])

    async def replay(self, replay_id: UUID, subscription_id: UUID, *events: Published) -> None:
        """Each event's record as it was first published, to the replay topic naming the replay and the
        subscription, as the event-history service sends it."""
        for published in events:
            record = published.record
            headers = [
                *record.headers,
                (REPLAY_ID_HEADER, str(replay_id).encode()),
                (REPLAY_SUBSCRIPTION_HEADER, str(subscription_id).encode()),
            ]
            await self.producer.send_and_wait(
                REPLAY_LA_DELIVERY_TOPIC, key=record.key.encode(), value=record.payload, headers=headers
            )

    async def deliveries(self) -> list:
        query = select(
            la_delivery.c.subscription_id, la_delivery.c.event_id, la_delivery.c.replay_id, la_delivery.c.state
        )
        async with self.service.engine.connect() as connection:
            return list((await connection.execute(query.order_by(la_delivery.c.id))).all())

    async def all_delivered(self) -> bool:
        return {row.state for row in await self.deliveries()} == {"delivered"}


@dataclass(frozen=True)
class Published:
    """An event and its record as the relay published it first (and the archive kept it)."""

    event: EarlyYearsNotificationReceived
    record: OutboxMessage


def published(event: EarlyYearsNotificationReceived) -> Published:
    """Its CloudEvents headers (the first relay's epoch among them), its key and its JSON."""
    record = message_for_event(event, source="/pathfinder/notifications")
    record.headers.append((EPOCH_HEADER, b"epoch-of-the-first-publication"))
    return Published(event, record)


@pytest.fixture
async def replays(fresh_broker, fresh_database) -> AsyncIterator[ReplayWorld]:
    delivery = LaDeliverySettings(
        allow_loopback_http=True,
        retry_initial_seconds=0.05,
        poll_interval_seconds=0.05,
        topic_check_interval_seconds=0.2,
    )
    async with la_delivery_service(await fresh_database("la_replay"), delivery) as world:
        service = delivering_service(world, fresh_broker.bootstrap_servers, delivery)
        kafka = service.kafka
        admin = TopicAdmin(kafka, client_id="event-history-stand-in")
        try:
            await admin.ensure(topic_specs(kafka, [REPLAY_LA_DELIVERY_TOPIC]))
        finally:
            await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=False)
        await producer.start()
        try:
            yield ReplayWorld(world, service, kafka, producer)
        finally:
            await producer.stop()
            await service.engine.dispose()


async def test_a_replay_reaches_only_the_named_webhook_once_per_replay_marked_as_a_replay(replays) -> None:
    with ExitStack() as stack:
        hook_841 = stack.enter_context(running_receiver(new_secret()))
        hook_805 = stack.enter_context(running_receiver(new_secret()))
        target = await replays.webhook("841", hook_841)
        await replays.kafka_subscription("841")
        await replays.webhook("805", hook_805)
        await replays.kafka_subscription("805")
        events = [published(received_event(la_code="841")) for _ in range(3)]
        first_replay = uuid4()
        await replays.replay(first_replay, target, *events)

        async with working(replays.service):
            await wait_for(lambda: len(hook_841.accepted) == 3, what="the replay at 841's webhook")
            assert hook_841.bad_signatures == 0, "signed as a live delivery is"
            arrived = {item.webhook_id: item.body for item in hook_841.accepted}
            assert set(arrived) == {str(sent.record.event_id) for sent in events}, "each event keeps its own id"
            for sent in events:
                body = arrived[str(sent.record.event_id)]
                assert body["replayid"] == str(first_replay)
                assert body["id"] == str(sent.record.event_id) and body["subject"] == str(sent.event.person_id)
                assert body["data"]["notification_id"] == str(sent.event.notification_id)

            # The first record of the replay again (a redelivery), then a new replay of the same event: same key,
            # same partition, so the new replay's delivery shows the repeated record was handled before it.
            await replays.replay(first_replay, target, events[0])
            second_replay = uuid4()
            await replays.replay(second_replay, target, events[0])
            await wait_for(lambda: hook_841.attempts == 4, what="the second replay at 841's webhook")
            await wait_for(replays.all_delivered, what="the second replay's outcome recorded")
            deliveries = await replays.deliveries()

        assert hook_841.duplicates == 1, "the second replay came again with the event's id: the LA deduplicates it"
        assert [(row.subscription_id, row.replay_id) for row in deliveries] == [
            *[(target, first_replay)] * 3,
            (target, second_replay),
        ], "only the named subscription, once per replay"
        assert {row.state for row in deliveries} == {"delivered"}
        log = await replays.world.api.get(f"/subscriptions/{target}/deliveries", headers=replays.world.headers("841"))
        assert sorted(str(entry["replay_id"]) for entry in log.json()) == sorted(
            [str(first_replay)] * 3 + [str(second_replay)]
        )
        assert hook_805.attempts == 0, "another LA's subscriptions get nothing"
        for la_code in ("841", "805"):
            assert await read_topic(replays.kafka.bootstrap_servers, la_topic(la_code), expected=0) == []


async def test_a_replay_to_a_kafka_subscription_writes_the_las_topic_marked_as_a_replay(replays) -> None:
    with running_receiver(new_secret()) as hook_841:
        target = await replays.kafka_subscription("841")
        await replays.webhook("841", hook_841)
        events = [published(received_event(la_code="841")) for _ in range(2)]
        replay_id = uuid4()
        await replays.replay(replay_id, target, *events)
        async with working(replays.service):
            records = await read_topic(replays.kafka.bootstrap_servers, la_topic("841"), expected=2)
        assert hook_841.attempts == 0, "the LA's webhook gets nothing"
    assert sorted(str(header_value(r.headers, "ce_id")) for r in records) == sorted(
        str(e.record.event_id) for e in events
    )
    assert {header_value(r.headers, "ce_replayid") for r in records} == {str(replay_id)}
    assert {header_value(r.headers, "ce_lacode") for r in records} == {"841"}
    assert {r.key.decode() for r in records} == {str(e.event.person_id) for e in events}
    assert all(header_value(r.headers, EPOCH_HEADER) != "epoch-of-the-first-publication" for r in records)
    for record in records:
        link = header_value(record.headers, "ce_dataref") or ""
        assert link.endswith(f"/early-years-notifications/{json.loads(record.value)['notification_id']}")


async def test_an_event_the_subscription_may_not_have_is_refused_and_dead_lettered_with_the_reason(replays) -> None:
    with running_receiver(new_secret()) as hook_841:
        target = await replays.webhook("841", hook_841)
        other_las = published(received_event(la_code="805"))
        gone = uuid4()
        await replays.replay(uuid4(), target, other_las)
        await replays.replay(uuid4(), gone, published(received_event(la_code="841")))
        unnamed = published(received_event(la_code="841")).record  # no replay or subscription named
        await replays.producer.send_and_wait(
            REPLAY_LA_DELIVERY_TOPIC, key=unnamed.key.encode(), value=unnamed.payload, headers=unnamed.headers
        )
        async with working(replays.service):
            dead = await read_topic(replays.kafka.bootstrap_servers, DEAD_LETTERS, expected=3)
        assert hook_841.attempts == 0
    assert await replays.deliveries() == []
    reasons = {
        header_value(r.headers, REPLAY_SUBSCRIPTION_HEADER): (
            header_value(r.headers, "pathfinder_dlt_reason"),
            header_value(r.headers, "pathfinder_dlt_error"),
        )
        for r in dead
    }
    assert reasons == {
        str(target): ("replay-refused", f"the event is about a child of LA 805; subscription {target} is LA 841's"),
        str(gone): ("replay-refused", f"subscription {gone} does not exist (it was removed, or never made)"),
        None: ("malformed", f"the record has no {REPLAY_ID_HEADER} header"),
    }
    assert len(dead) == 3
    refused = next(r for r in dead if header_value(r.headers, REPLAY_SUBSCRIPTION_HEADER) == str(target))
    assert header_value(refused.headers, "ce_id") == str(other_las.record.event_id), "the record as it came"
