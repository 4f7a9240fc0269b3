# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Webhook and rest-hook delivery against a real HTTP receiver on 127.0.0.1 and a real PostgreSQL database:
faults, order per child, parking and redelivery, signatures, gap-free rest-hook event numbers and $events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from notifications_kit.messages import received_event
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.contracts.fhir.subscription_notification_reader import read_subscription_notification
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.webhook_receiver import WebhookReceiver, new_secret, running_receiver
from pathfinder.notifications.adapters.tables import la_delivery
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import func, select

RECEIVED = EarlyYearsNotificationReceived.event_type


def fast_delivery(**overrides) -> LaDeliverySettings:
    values = {
        "allow_loopback_http": True,
        "retry_initial_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "retry_budget": 100,
        "connect_timeout_seconds": 0.5,
        "request_timeout_seconds": 0.5,
        "poll_interval_seconds": 0.05,
        "dispatchers": 3,
    }
    return LaDeliverySettings(**{**values, **overrides})


@pytest.fixture
async def la_delivery_under_test(fresh_database, request) -> AsyncIterator[LaDeliveryUnderTest]:
    overrides = getattr(request, "param", {})
    async with la_delivery_service(await fresh_database("notifications_out"), fast_delivery(**overrides)) as world:
        yield world


async def states(world: LaDeliveryUnderTest) -> dict[str, int]:
    async with world.service.engine.connect() as connection:
        rows = await connection.execute(select(la_delivery.c.state, func.count()).group_by(la_delivery.c.state))
        return {state: count for state, count in rows}


async def wait_until(condition, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_through_faults_every_event_arrives_once_in_order_per_child(la_delivery_under_test) -> None:
    world = la_delivery_under_test
    secret = new_secret()
    with running_receiver(secret) as receiver:
        await world.subscribe("841", channel="webhook", event_types=[RECEIVED], endpoint=receiver.url, secrets=[secret])
        receiver.stop()  # down: connection refused
        children = [uuid4() for _ in range(3)]
        events = [received_event(child) for _ in range(4) for child in children]
        await world.publish(*events)
        stop = asyncio.Event()
        dispatching = asyncio.create_task(world.service.dispatcher()(stop))
        try:
            await asyncio.sleep(0.4)
            receiver.mode, receiver.slow_seconds = "slow", 0.8  # answers after the sender's timeout
            receiver.start()
            await asyncio.sleep(1.2)
            receiver.mode = "fail"
            await asyncio.sleep(0.4)
            receiver.mode = "ok"
            await wait_until(lambda: _all_delivered(world, len(events)))
        finally:
            stop.set()
            await dispatching
    assert len(receiver.accepted) == len(events)
    for child in children:
        sent = [e.notification_id for e in events if e.person_id == child]
        arrived = [
            UUID(item.body["data"]["notification_id"])
            for item in receiver.accepted
            if item.body["subject"] == str(child)
        ]
        assert arrived == sent, "each child's events arrive in the order they happened"
    assert receiver.bad_signatures == 0
    assert receiver.attempts > len(events), "faults caused retries"


async def _all_delivered(world: LaDeliveryUnderTest, expected: int) -> bool:
    return (await states(world)).get("delivered", 0) == expected


@pytest.mark.parametrize("la_delivery_under_test", [{"retry_budget": 3}], indirect=True)
async def test_after_the_retry_budget_the_subscription_pauses_and_redelivery_resumes_it(la_delivery_under_test) -> None:
    world = la_delivery_under_test
    secret = new_secret()
    with running_receiver(secret) as receiver:
        receiver.mode = "fail"
        made = await world.subscribe(
            "841", channel="webhook", event_types=[RECEIVED], endpoint=receiver.url, secrets=[secret]
        )
        child, other = uuid4(), uuid4()
        started = datetime.now(UTC) - timedelta(seconds=1)
        await world.publish(received_event(child), received_event(child), received_event(other))
        while (await states(world)).get("parked", 0) == 0:
            if not await world.dispatch_once():
                await asyncio.sleep(0.05)
        shown = await world.api.get(f"/subscriptions/{made['id']}", headers=world.headers("841"))
        assert shown.json()["status"] == "paused"
        await world.publish(received_event(uuid4()))  # later events queue while the subscription is paused
        assert not await world.dispatch_once()
        log = (await world.api.get(f"/subscriptions/{made['id']}/deliveries", headers=world.headers("841"))).json()
        parked = [entry for entry in log if entry["state"] == "parked"]
        assert parked and parked[0]["response_status"] == 500 and parked[0]["last_error"] == "answered 500"
        assert parked[0]["attempts"] == 3

        receiver.mode = "ok"
        until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        again = await world.api.post(
            f"/subscriptions/{made['id']}/deliveries/$redeliver",
            json={"since": started.isoformat(), "until": until},
            headers=world.headers("841"),
        )
        assert again.status_code == 200, again.text
        assert again.json()["queued"] == 4
        while await world.dispatch_once():
            pass
    assert await states(world) == {"delivered": 4}
    assert len(receiver.accepted) == 4 and receiver.duplicates == 0


async def test_rest_hook_numbers_have_no_gaps_and_missed_events_can_be_fetched(la_delivery_under_test) -> None:
    world = la_delivery_under_test
    with running_receiver() as receiver:
        made = await world.subscribe(
            "841",
            channel="fhir-rest-hook",
            event_types=[RECEIVED],
            endpoint=receiver.url,
            headers={"Authorization": "Bearer la-token"},
            heartbeat_seconds=3600,
        )
        await world.publish(*(received_event(uuid4()) for _ in range(5)))
        await world.publish(received_event(uuid4(), la_code="805"))  # another LA's child: never numbered here
        while await world.dispatch_once():
            pass
        numbers: list[int] = []
        for item in receiver.accepted:
            notification = read_subscription_notification(item.body)
            assert notification.notification_type is NotificationType.EVENT_NOTIFICATION
            numbers.extend(event.event_number for event in notification.events)
            assert item.headers["authorization"] == "Bearer la-token"
        assert sorted(numbers) == [1, 2, 3, 4, 5]

        missed = await world.api.get(
            f"/fhir/Subscription/{made['id']}/$events",
            params={"eventsSinceNumber": 2, "eventsUntilNumber": 4},
            headers=world.headers("841"),
        )
        assert missed.status_code == 200, missed.text
        bundle = read_subscription_notification(missed.json())
        assert bundle.notification_type is NotificationType.QUERY_EVENT
        assert [event.event_number for event in bundle.events] == [2, 3, 4]
        assert all("/early-years-notifications/" in event.focus_url for event in bundle.events)

        status = read_subscription_notification(
            (await world.api.get(f"/fhir/Subscription/{made['id']}/$status", headers=world.headers("841"))).json()
        )
        assert status.events_since_subscription_start == 5

        assert await world.send_heartbeats(datetime.now(UTC) + timedelta(hours=2)) == 1
        heartbeat = read_subscription_notification(receiver.accepted[-1].body)
        assert heartbeat.notification_type is NotificationType.HEARTBEAT
        assert heartbeat.events_since_subscription_start == 5


@pytest.mark.parametrize("la_delivery_under_test", [{"poll_interval_seconds": 600.0}], indirect=True)
async def test_an_idle_dispatcher_wakes_when_a_delivery_is_made_not_at_its_next_poll(la_delivery_under_test) -> None:
    world = la_delivery_under_test
    secret = new_secret()
    with running_receiver(secret) as receiver:
        await world.subscribe("841", channel="webhook", event_types=[RECEIVED], endpoint=receiver.url, secrets=[secret])
        stop = asyncio.Event()
        dispatching = asyncio.create_task(world.service.dispatcher()(stop))
        try:
            await asyncio.sleep(1.0)  # every lane has found nothing and waits (its poll is ten minutes away)
            await world.publish(received_event(uuid4()))
            await wait_until(lambda: _all_delivered(world, 1), timeout=15)
        finally:
            stop.set()
            await dispatching
    assert len(receiver.accepted) == 1


async def parked(world: LaDeliveryUnderTest, receiver: WebhookReceiver, secret: str) -> tuple[dict[str, Any], datetime]:
    """A webhook subscription of LA 841 whose one delivery failed its only attempt: parked, the subscription
    paused; the receiver then answers again. The subscription, and an instant before the delivery was made."""
    receiver.mode = "fail"
    made = await world.subscribe(
        "841", channel="webhook", event_types=[RECEIVED], endpoint=receiver.url, secrets=[secret]
    )
    started = datetime.now(UTC) - timedelta(seconds=1)
    await world.publish(received_event(uuid4()))
    while (await states(world)).get("parked", 0) == 0:
        if not await world.dispatch_once():
            await asyncio.sleep(0.05)
    receiver.mode = "ok"
    return made, started


async def woken_by(world: LaDeliveryUnderTest, change: Callable[[], Awaitable[None]], delivered: int) -> None:
    """With every lane of a dispatcher idle (its poll ten minutes away), ``change`` makes ``delivered``
    deliveries due: they go at once."""
    stop = asyncio.Event()
    dispatching = asyncio.create_task(world.service.dispatcher()(stop))
    try:
        await asyncio.sleep(1.0)
        await change()
        await wait_until(lambda: _all_delivered(world, delivered), timeout=15)
    finally:
        stop.set()
        await dispatching


@pytest.mark.parametrize("la_delivery_under_test", [{"poll_interval_seconds": 600.0, "retry_budget": 1}], indirect=True)
async def test_an_idle_dispatcher_wakes_when_a_parked_delivery_is_put_back(la_delivery_under_test) -> None:
    world = la_delivery_under_test
    secret = new_secret()
    with running_receiver(secret) as receiver:
        made, started = await parked(world, receiver, secret)

        async def redeliver() -> None:
            until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
            again = await world.api.post(
                f"/subscriptions/{made['id']}/deliveries/$redeliver",
                json={"since": started.isoformat(), "until": until},
                headers=world.headers("841"),
            )
            assert again.status_code == 200, again.text

        await woken_by(world, redeliver, 1)
    assert len(receiver.accepted) == 1


@pytest.mark.parametrize("la_delivery_under_test", [{"poll_interval_seconds": 600.0, "retry_budget": 1}], indirect=True)
async def test_an_idle_dispatcher_wakes_when_a_paused_subscription_is_resumed(la_delivery_under_test) -> None:
    world = la_delivery_under_test
    secret = new_secret()
    with running_receiver(secret) as receiver:
        made, _ = await parked(world, receiver, secret)
        await world.publish(received_event(uuid4()))  # queued behind the pause

        async def resume() -> None:
            resumed = await world.api.patch(
                f"/subscriptions/{made['id']}", json={"status": "active"}, headers=world.headers("841")
            )
            assert resumed.status_code == 200, resumed.text

        await woken_by(world, resume, 1)
    assert len(receiver.accepted) == 1
