# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""One LA cannot slow another's webhooks: on a real PostgreSQL database, with real receivers on 127.0.0.1, the
dispatcher's claims take one delivery per endpoint and a few per LA, LAs take turns, concurrent claims never put
two deliveries of one endpoint in flight, and no transaction is open while an LA's endpoint is called."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from notifications_kit.messages import received_event
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.webhook_receiver import new_secret, running_receiver
from pathfinder.notifications.adapters.tables import la_delivery
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import select, text

RECEIVED = EarlyYearsNotificationReceived.event_type
SEND_TIMEOUT = 3.0
PER_LA = 2


def delivery_settings(**overrides) -> LaDeliverySettings:
    values = {
        "allow_loopback_http": True,
        "retry_initial_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "retry_budget": 100,
        "connect_timeout_seconds": 0.5,
        "request_timeout_seconds": SEND_TIMEOUT,
        "poll_interval_seconds": 0.05,
        "dispatchers": 4,
        "in_flight_per_la": PER_LA,
    }
    return LaDeliverySettings(**{**values, **overrides})


@pytest.fixture
async def world(fresh_database, request) -> AsyncIterator[LaDeliveryUnderTest]:
    overrides = getattr(request, "param", {})
    async with la_delivery_service(await fresh_database("delivery_fairness"), delivery_settings(**overrides)) as made:
        yield made


async def webhook(world: LaDeliveryUnderTest, la_code: str, endpoint: str, secret: str | None = None) -> UUID:
    made = await world.subscribe(
        la_code, channel="webhook", event_types=[RECEIVED], endpoint=endpoint, secrets=[secret or new_secret()]
    )
    return UUID(made["id"])


async def claim_for_a_hung_send(world: LaDeliveryUnderTest, at: datetime) -> tuple[str, UUID] | None:
    """Claim as the dispatcher does and commit, and never record an outcome: the send hangs."""
    async with world.service.unit_of_work() as uow:
        due = await uow.subscriptions.claim_due_delivery(at, per_la=PER_LA)
        if due is None:
            return None
        subscription, delivery = due
        subscription.claim(delivery, at, world.service.delivery_lease)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    return subscription.la_code, subscription.id


async def test_claims_take_one_delivery_per_endpoint_a_share_per_la_and_las_in_turn(world) -> None:
    hanging = {await webhook(world, "841", f"https://hook{n}.la841.example/events") for n in range(3)}
    await world.publish(*(received_event(uuid4(), la_code="841") for _ in range(4)))  # each to all three
    healthy = await webhook(world, "805", "https://la805.example/events")
    await world.publish(*(received_event(uuid4(), la_code="805") for _ in range(2)))
    start = datetime.now(UTC)
    first, second, third = [await claim_for_a_hung_send(world, start + timedelta(milliseconds=n)) for n in range(3)]
    assert first is not None and first[0] == "841", "841's deliveries are the oldest"
    assert second == ("805", healthy), "805 has waited longer than 841, which was just served"
    assert third is not None and third[0] == "841" and third[1] != first[1], "another of 841's endpoints"
    assert await claim_for_a_hung_send(world, start + timedelta(milliseconds=3)) is None, (
        f"841 holds its {PER_LA} lanes and 805's only endpoint is busy, though 9 deliveries are due"
    )
    assert {first[1], third[1]} < hanging

    later = start + world.service.delivery_lease + timedelta(seconds=1)  # every hung send's lease ran out
    assert await claim_for_a_hung_send(world, later) == ("805", healthy), "805's turn is older than 841's"
    assert await claim_for_a_hung_send(world, later) == ("841", (hanging - {first[1], third[1]}).pop()), (
        "of 841's endpoints, the one never served goes first"
    )


async def test_concurrent_claims_keep_one_delivery_per_endpoint_and_the_las_share(world: LaDeliveryUnderTest) -> None:
    endpoints = {await webhook(world, "841", f"https://hook{n}.la841.example/events") for n in range(3)}
    await world.publish(*(received_event(uuid4(), la_code="841") for _ in range(6)))  # 18 due, 6 per endpoint
    now = datetime.now(UTC)

    async def claim() -> UUID | None:
        async with world.service.unit_of_work() as uow:
            due = await uow.subscriptions.claim_due_delivery(now, per_la=PER_LA)
            if due is None:
                return None
            subscription, delivery = due
            subscription.claim(delivery, now, world.service.delivery_lease)
            await uow.subscriptions.save(subscription)
            await uow.commit()
        return subscription.id

    claimed: list[UUID] = []
    for _ in range(5):  # rounds of dispatchers claiming at once, as the lanes of several replicas do
        claimed += [found for found in await asyncio.gather(*(claim() for _ in range(8))) if found is not None]
        assert len(claimed) == len(set(claimed)), "two deliveries of one endpoint were in flight at once"
        assert len(claimed) <= PER_LA, f"the LA had more than {PER_LA} deliveries in flight"
    while (found := await claim()) is not None:
        claimed.append(found)
    assert len(claimed) == PER_LA and set(claimed) < endpoints
    async with world.service.engine.connect() as connection:
        attempted = select(la_delivery.c.subscription_id).where(la_delivery.c.attempts > 0)
        assert sorted((await connection.execute(attempted)).scalars()) == sorted(claimed)


async def test_no_transaction_is_open_while_the_las_endpoint_is_called(world) -> None:
    secret = new_secret()
    with running_receiver(secret) as receiver:
        receiver.mode, receiver.slow_seconds = "slow", 1.5  # answers, but only after a while
        subscription = await webhook(world, "841", receiver.url, secret)
        await world.publish(received_event(uuid4(), la_code="841"))
        sending = asyncio.create_task(world.dispatch_once())
        deadline = time.monotonic() + 5
        while receiver.attempts == 0:
            assert time.monotonic() < deadline, "the delivery was never sent"
            await asyncio.sleep(0.02)
        async with world.service.engine.connect() as connection:
            open_elsewhere = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    " AND (xact_start IS NOT NULL OR state LIKE 'idle in transaction%')"
                )
            )
            delivery_id = await connection.scalar(select(la_delivery.c.id))
            # Would raise (lock not available) if the dispatcher held the claim's row locks through the call.
            await connection.execute(
                text("SELECT 1 FROM la_delivery WHERE id = :id FOR UPDATE NOWAIT"), {"id": delivery_id}
            )
            await connection.execute(
                text("SELECT 1 FROM la_subscription WHERE id = :id FOR UPDATE NOWAIT"), {"id": subscription}
            )
            await connection.rollback()
        assert not sending.done(), "checked while the LA's endpoint was still answering"
        assert open_elsewhere == 0, "a transaction of the service was open during the LA's HTTP call"
        assert await sending
    assert len(receiver.accepted) == 1
    async with world.service.engine.connect() as connection:
        assert await connection.scalar(select(la_delivery.c.state)) == "delivered"


async def test_an_la_whose_endpoints_hang_does_not_slow_another_las_deliveries(world) -> None:
    with ExitStack() as stack:
        hanging = [stack.enter_context(running_receiver()) for _ in range(5)]
        for receiver in hanging:
            receiver.mode, receiver.slow_seconds = "slow", SEND_TIMEOUT + 2  # never answers before the timeout
            await webhook(world, "841", receiver.url)
        secret = new_secret()
        healthy = stack.enter_context(running_receiver(secret))
        arrivals: list[float] = []
        healthy.on_accept = lambda _: arrivals.append(time.monotonic())
        await webhook(world, "805", healthy.url, secret)
        await world.publish(*(received_event(uuid4(), la_code="841") for _ in range(3)))  # 15 sends that hang

        stop = asyncio.Event()
        dispatching = asyncio.create_task(world.service.dispatcher()(stop))
        try:
            deadline = time.monotonic() + 5
            while sum(receiver.attempts for receiver in hanging) < PER_LA:
                assert time.monotonic() < deadline, "841's deliveries were never sent"
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # every lane that 841 may take is hanging now
            published = time.monotonic()
            await world.publish(*(received_event(uuid4(), la_code="805") for _ in range(3)))
            while len(arrivals) < 3:
                assert time.monotonic() < published + 4 * SEND_TIMEOUT, "805's deliveries did not arrive"
                await asyncio.sleep(0.02)
            hung = sum(receiver.attempts for receiver in hanging)
        finally:
            stop.set()
            await dispatching
    waits = [arrival - published for arrival in arrivals]
    assert max(waits) < SEND_TIMEOUT / 2, f"805 waited {max(waits):.2f}s behind 841's hanging endpoints"
    assert hung == PER_LA, "841's hanging endpoints held its share of the lanes, no more"
