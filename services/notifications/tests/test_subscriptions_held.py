"""A consumer's batch delivers many events to one LA's subscriptions in one transaction: each subscription is
loaded and locked once, and every event still gets its own delivery and, on a rest-hook, its own number."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

import pytest
from notifications_kit.messages import received_event
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import event

RECEIVED = EarlyYearsNotificationReceived.event_type


@pytest.fixture
async def world(fresh_database: Callable[[str], Any]) -> AsyncIterator[LaDeliveryUnderTest]:
    settings = LaDeliverySettings(allow_loopback_http=True)
    async with la_delivery_service(await fresh_database("subscriptions_held"), settings) as running:
        yield running


def subscription_reads(world: LaDeliveryUnderTest) -> list[str]:
    """Every statement that reads the subscription table from now on, as sent to PostgreSQL."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM la_subscription" in statement:
            seen.append(statement)

    event.listen(world.service.engine.sync_engine, "before_cursor_execute", note)
    return seen


async def test_a_batch_loads_an_las_subscriptions_once_and_numbers_every_event(world: LaDeliveryUnderTest) -> None:
    hook = await world.subscribe("841", channel="fhir-rest-hook", event_types=[RECEIVED],
                                 endpoint="http://127.0.0.1:9/hook")  # fmt: skip
    other = await world.subscribe("841", channel="fhir-rest-hook", event_types=[RECEIVED],
                                  endpoint="http://127.0.0.1:9/other")  # fmt: skip
    reads = subscription_reads(world)

    await world.publish(*(received_event(la_code="841") for _ in range(5)), together=True)

    assert len(reads) == 1, reads
    async with world.service.unit_of_work() as uow:
        for made in (hook, other):
            subscription = await uow.subscriptions.get(UUID(made["id"]))
            assert subscription is not None and subscription.events_since_start == 5
            delivered = await uow.subscriptions.deliveries(subscription)
            assert [delivery.event_number for delivery in delivered] == [1, 2, 3, 4, 5]
            assert len({delivery.event.event_id for delivery in delivered}) == 5


async def test_each_transaction_loads_them_afresh(world: LaDeliveryUnderTest) -> None:
    await world.subscribe("841", channel="fhir-rest-hook", event_types=[RECEIVED], endpoint="http://127.0.0.1:9/h")
    reads = subscription_reads(world)

    await world.publish(received_event(la_code="841"), received_event(la_code="841"))

    assert len(reads) == 2, reads
