# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The subscription API keeps each LA to its own subscriptions; acknowledgements come only from the
responsible LA and are emitted once."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service, notify
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgedByLa,
    EarlyYearsNotificationReceived,
    EarlyYearsNotificationRejected,
)
from pathfinder.messaging.schema import outbox
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import select, text

RECEIVED = EarlyYearsNotificationReceived.event_type
SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()


@pytest.fixture
async def world(fresh_database) -> AsyncIterator[LaDeliveryUnderTest]:
    async with la_delivery_service(await fresh_database("subscription_api"), LaDeliverySettings()) as running:
        yield running


def webhook(**overrides) -> dict:
    return {
        "channel": "webhook",
        "event_types": [RECEIVED],
        "endpoint": "https://hooks.la841.example/pathfinder",
        "secrets": [SECRET],
        **overrides,
    }


async def test_la_805_can_neither_see_nor_change_la_841s_subscriptions(world) -> None:
    made = await world.subscribe("841", **webhook())
    assert made["la_code"] == "841" and made["active_secrets"] == 1 and SECRET not in str(made)
    async with world.service.engine.connect() as connection:
        stored = "".join(await connection.scalars(text("SELECT s::text FROM la_subscription s")))
    assert SECRET not in stored and base64.b64decode(SECRET.removeprefix("whsec_")).hex() not in stored, "sealed"
    path = f"/subscriptions/{made['id']}"
    intruder = world.headers("805")
    since, until = (datetime.now(UTC) - timedelta(days=1)).isoformat(), datetime.now(UTC).isoformat()
    refused = [
        await world.api.get(path, headers=intruder),
        await world.api.patch(path, json={"event_types": [RECEIVED]}, headers=intruder),
        await world.api.delete(path, headers=intruder),
        await world.api.get(f"{path}/deliveries", headers=intruder),
        await world.api.post(f"{path}/deliveries/$redeliver", json={"since": since, "until": until}, headers=intruder),
    ]
    assert [response.status_code for response in refused] == [404] * len(refused), "as if there were none"
    assert (await world.api.get("/subscriptions", headers=intruder)).json() == []
    owned = await world.api.get("/subscriptions", headers=world.headers("841"))
    assert [found["id"] for found in owned.json()] == [made["id"]]
    naming_another = await world.api.post("/subscriptions", json={**webhook(), "la_code": "841"}, headers=intruder)
    assert naming_another.status_code == 403
    listing_another = await world.api.get("/subscriptions", params={"la_code": "841"}, headers=intruder)
    assert listing_another.status_code == 403

    assert (await world.api.get(path, headers=world.headers("841"))).status_code == 200


async def test_the_platform_lists_the_subscriptions_of_the_la_it_names(world) -> None:
    made = await world.subscribe("841", **webhook())
    operator = world.mint.headers_for(principal(OrganisationRole.PLATFORM, "pathfinder", Scope.SUBSCRIPTIONS_MANAGE))
    listed = await world.api.get("/subscriptions", params={"la_code": "841"}, headers=operator)
    assert [found["id"] for found in listed.json()] == [made["id"]]
    assert (await world.api.get("/subscriptions", params={"la_code": "805"}, headers=operator)).json() == []
    unnamed = await world.api.get("/subscriptions", headers=operator)
    assert (unnamed.status_code, unnamed.headers["content-type"]) == (422, "application/problem+json")
    assert (await world.api.get(f"/subscriptions/{made['id']}", headers=operator)).status_code == 200


async def test_subscriptions_are_checked_and_changed(world) -> None:
    rejected_type = EarlyYearsNotificationRejected.event_type
    for wrong in (
        webhook(event_types=[rejected_type]),  # never deliverable to an LA
        webhook(event_types=["pathfinder.notifications.early-years-notification-received.v1"]),  # superseded
        webhook(endpoint="http://hooks.la841.example/pathfinder"),  # not https
        webhook(secrets=["not-a-secret"]),
        webhook(secrets=[SECRET, SECRET, SECRET]),
    ):
        response = await world.api.post("/subscriptions", json=wrong, headers=world.headers("841"))
        assert response.status_code == 422, wrong
    await world.subscribe("841", channel="kafka", event_types=[RECEIVED])
    second = await world.api.post(
        "/subscriptions", json={"channel": "kafka", "event_types": [RECEIVED]}, headers=world.headers("841")
    )
    assert second.status_code == 409
    made = await world.subscribe("841", **webhook())
    rotated_secret = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    rotated = await world.api.patch(
        f"/subscriptions/{made['id']}", json={"secrets": [rotated_secret, SECRET]}, headers=world.headers("841")
    )
    assert rotated.status_code == 200 and rotated.json()["active_secrets"] == 2
    removed = await world.api.delete(f"/subscriptions/{made['id']}", headers=world.headers("841"))
    assert removed.status_code == 204
    assert (await world.api.get(f"/subscriptions/{made['id']}", headers=world.headers("841"))).status_code == 404


async def test_only_the_responsible_la_acknowledges_and_only_once(world) -> None:
    notification = await notify(world.service)
    path = f"/early-years-notifications/{notification.id}/acknowledgement"
    assert (await world.api.post(path, json={}, headers=world.headers("805"))).status_code == 404
    platform = principal(OrganisationRole.PLATFORM, "pathfinder", Scope.NOTIFICATIONS_ACKNOWLEDGE)
    assert (await world.api.post(path, headers=world.mint.headers_for(platform))).status_code == 403
    first = await world.api.post(path, json={"la_reference": "DARL/2026/0042"}, headers=world.headers("841"))
    assert first.status_code == 201, first.text
    again = await world.api.post(path, headers=world.headers("841"))
    assert again.status_code == 200 and again.json()["la_reference"] == "DARL/2026/0042"
    async with world.service.engine.connect() as connection:
        types = list(await connection.scalars(select(outbox.c.event_type)))
    assert types.count(EarlyYearsNotificationAcknowledgedByLa.event_type) == 1
