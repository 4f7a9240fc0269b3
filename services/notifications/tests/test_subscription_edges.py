# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The subscription API as an adopter meets it: every event by default, the event types listed with their
schemas, a second Kafka subscription pointed at the first, endpoints that could never be delivered to refused at
registration, a cap per LA, and every number and date bounded at the edge (4xx, never 500)."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator

import pytest
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.notifications.domain.la_subscription import deliverable_event_types
from pathfinder.notifications.settings import LaDeliverySettings

SECRET = "whsec_" + base64.b64encode(os.urandom(24)).decode()
RECEIVED = EarlyYearsNotificationReceived.event_type


@pytest.fixture
async def world(fresh_database) -> AsyncIterator[LaDeliveryUnderTest]:
    settings = LaDeliverySettings(max_subscriptions_per_la=3)
    async with la_delivery_service(await fresh_database("subscription_edges"), settings) as running:
        yield running


async def test_kafka_with_nothing_else_gets_every_event_and_a_second_one_is_pointed_at_the_first(world) -> None:
    made = await world.subscribe("841", channel="kafka")
    assert made["every_event_type"] is True
    assert set(made["event_types"]) == deliverable_event_types()
    assert made["kafka_topic"] == "pathfinder.la.841.events"
    again = await world.api.post("/subscriptions", json={"channel": "kafka"}, headers=world.headers("841"))
    assert again.status_code == 409
    assert again.json()["existing"] == f"/subscriptions/{made['id']}"
    assert f"PATCH /subscriptions/{made['id']}" in again.json()["detail"]
    narrowed = await world.api.patch(
        f"/subscriptions/{made['id']}", json={"event_types": [RECEIVED]}, headers=world.headers("841")
    )
    assert (narrowed.json()["every_event_type"], narrowed.json()["event_types"]) == (False, [RECEIVED])
    widened = await world.api.patch(
        f"/subscriptions/{made['id']}", json={"event_types": ["*"]}, headers=world.headers("841")
    )
    assert widened.json()["every_event_type"] is True


async def test_the_event_types_are_listed_with_what_they_mean_and_their_schema(world) -> None:
    listed = await world.api.get("/event-types")
    assert listed.status_code == 200
    by_type = {entry["event_type"]: entry for entry in listed.json()}
    assert set(by_type) == deliverable_event_types()
    received = by_type[RECEIVED]
    assert received["domain"] == "Early-years notifications" and "s23(2)(c)" in received["description"]
    assert received["schema_url"] == f"http://127.0.0.1:8001/event-types/{RECEIVED}/schema"
    schema = await world.api.get(f"/event-types/{RECEIVED}/schema")
    assert schema.status_code == 200
    assert schema.json()["x-pathfinder"]["eventType"] == RECEIVED and "person_id" in schema.json()["properties"]
    assert (await world.api.get("/event-types/pathfinder.nothing.v1/schema")).status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data", "not public"),
        ("https://10.1.2.3/hook", "not public"),
        ("https://172.16.0.9/hook", "not public"),
        ("https://192.168.1.20/hook", "not public"),
        ("https://100.64.0.1/hook", "not public"),
        ("https://127.0.0.1/hook", "not public"),
        ("https://metadata.google.internal/computeMetadata/v1/", "cloud metadata service"),
        ("https://localhost/hook", "not public"),
    ],
)
async def test_an_endpoint_that_is_not_public_is_refused_at_registration_with_the_reason(
    world, endpoint, reason
) -> None:
    answer = await world.api.post(
        "/subscriptions",
        json={"channel": "webhook", "endpoint": endpoint, "secrets": [SECRET]},
        headers=world.headers("841"),
    )
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]


async def test_an_la_holds_at_most_the_cap(world) -> None:
    hook = {"channel": "webhook", "endpoint": "https://hooks.la841.example/p", "secrets": [SECRET]}
    for _ in range(3):
        await world.subscribe("841", **hook)
    refused = await world.api.post("/subscriptions", json=hook, headers=world.headers("841"))
    assert refused.status_code == 409 and "the most one LA may hold" in refused.json()["detail"]


async def test_numbers_and_dates_beyond_their_bounds_are_refused_never_a_server_error(world) -> None:
    rest = await world.subscribe("841", channel="fhir-rest-hook", endpoint="https://hooks.la841.example/fhir")
    hook = await world.subscribe(
        "841", channel="webhook", endpoint="https://hooks.la841.example/p", secrets=[SECRET], event_types=[RECEIVED]
    )
    headers = world.headers("841")
    answers = {
        "heartbeat 2^40": await world.api.post(
            "/subscriptions",
            json={"channel": "fhir-rest-hook", "endpoint": "https://hooks.la841.example/f", "heartbeat_seconds": 2**40},
            headers=headers,
        ),
        "NUL in the path": await world.api.post(
            "/subscriptions",
            json={"channel": "webhook", "endpoint": "https://hooks.la841.example/a\u0000b", "secrets": [SECRET]},
            headers=headers,
        ),
        "redeliver from year 1": await world.api.post(
            f"/subscriptions/{hook['id']}/deliveries/$redeliver",
            json={"since": "0001-01-01T00:00:00+01:00", "until": "2026-01-01T00:00:00Z"},
            headers=headers,
        ),
        "redeliver to 9999": await world.api.post(
            f"/subscriptions/{hook['id']}/deliveries/$redeliver",
            json={"since": "2026-01-01T00:00:00Z", "until": "9999-12-31T23:59:59-01:00"},
            headers=headers,
        ),
        "deliveries since year 1": await world.api.get(
            f"/subscriptions/{hook['id']}/deliveries", params={"since": "0001-01-01T00:00:00+14:00"}, headers=headers
        ),
        "eventsSinceNumber 2^63": await world.api.get(
            f"/fhir/Subscription/{rest['id']}/$events", params={"eventsSinceNumber": 2**63}, headers=headers
        ),
        "eventsUntilNumber 2^64": await world.api.get(
            f"/fhir/Subscription/{rest['id']}/$events", params={"eventsUntilNumber": 2**64}, headers=headers
        ),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == dict.fromkeys(answers, 422), {name: answer.text for name, answer in answers.items()}
    assert "from 1970-01-01 to 2100-01-01" in answers["redeliver from year 1"].text
    assert "less than or equal to 9223372036854775807" in answers["eventsSinceNumber 2^63"].text
