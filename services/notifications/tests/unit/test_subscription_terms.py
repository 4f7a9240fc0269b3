"""What an LA may subscribe to, and what a subscription must meet: every event type by default (new ones too),
one Kafka subscription with a way to find it, a cap per LA, endpoints that could ever be delivered to, and
numbers within bounds."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from notifications_kit.fakes import FakeDestinations, FakeStore, subscription_rules
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.notifications.domain.la_subscription import (
    EVERY_EVENT_TYPE,
    Channel,
    InvalidSubscription,
    LaSubscription,
    SubscriptionTerms,
)
from pathfinder.notifications.service_layer.la_subscriptions import (
    SubscriptionConflict,
    SubscriptionLimitReached,
    subscribe,
)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
SECRET = "whsec_" + "A" * 32


def hook(endpoint: str = "https://hooks.la841.example/pathfinder", **terms: object) -> SubscriptionTerms:
    return SubscriptionTerms(endpoint=endpoint, secrets=(SECRET,), **terms)  # type: ignore[arg-type]


def test_a_subscription_without_event_types_wants_every_type_even_one_catalogued_later() -> None:
    every = LaSubscription.subscribe(uuid4(), "841", Channel.KAFKA, SubscriptionTerms(), NOW)
    assert every.every_event_type and every.event_types == {EVERY_EVENT_TYPE}
    assert every.wants(EarlyYearsNotificationReceived.event_type)
    assert every.wants("pathfinder.ehcp.a-type-catalogued-next-year.v1"), "follows new types as they come"
    chosen = SubscriptionTerms(event_types=frozenset({EarlyYearsNotificationReceived.event_type}))
    some = LaSubscription.subscribe(uuid4(), "841", Channel.KAFKA, chosen, NOW)
    assert not some.every_event_type and not some.wants("pathfinder.ehcp.final-plan-issued.v1")
    with pytest.raises(InvalidSubscription, match="stands alone"):
        LaSubscription.subscribe(
            uuid4(),
            "841",
            Channel.KAFKA,
            SubscriptionTerms(event_types=frozenset({EVERY_EVENT_TYPE, EarlyYearsNotificationReceived.event_type})),
            NOW,
        )


async def test_a_second_kafka_subscription_is_refused_naming_the_first() -> None:
    store = FakeStore()
    first = await subscribe(
        "841", Channel.KAFKA, SubscriptionTerms(), uow=store.unit_of_work(), rules=subscription_rules()
    )
    with pytest.raises(SubscriptionConflict) as refused:
        await subscribe("841", Channel.KAFKA, SubscriptionTerms(), uow=store.unit_of_work(), rules=subscription_rules())
    assert refused.value.existing == first.id
    other_la = await subscribe(
        "805", Channel.KAFKA, SubscriptionTerms(), uow=store.unit_of_work(), rules=subscription_rules()
    )
    assert other_la.la_code == "805"


async def test_an_la_holds_at_most_the_cap_of_subscriptions() -> None:
    store, rules = FakeStore(), subscription_rules(max_per_la=2)
    for _ in range(2):
        await subscribe("841", Channel.WEBHOOK, hook(), uow=store.unit_of_work(), rules=rules)
    with pytest.raises(SubscriptionLimitReached, match="2 subscriptions"):
        await subscribe("841", Channel.WEBHOOK, hook(), uow=store.unit_of_work(), rules=rules)
    await subscribe("805", Channel.WEBHOOK, hook(), uow=store.unit_of_work(), rules=rules)


async def test_an_endpoint_that_could_never_be_delivered_to_is_refused_at_registration_with_the_reason() -> None:
    refused = FakeDestinations({"hooks.la841.example": "the host resolves to an address that is not public"})
    store = FakeStore()
    with pytest.raises(InvalidSubscription, match="not public"):
        await subscribe(
            "841", Channel.WEBHOOK, hook(), uow=store.unit_of_work(), rules=subscription_rules(destinations=refused)
        )
    async with store.unit_of_work() as uow:
        assert not await uow.subscriptions.of_la("841")


@pytest.mark.parametrize(
    ("endpoint", "rule"),
    [
        ("https://hooks.la841.example/a\x00b", "control characters"),
        ("https://hooks.la841.example/a b", "spaces"),
        ("https://hooks.la841.example:99999/x", "not a valid URL"),
        ("https://hooks.la841.example/" + "x" * 2100, "at most 2048"),
    ],
)
def test_an_endpoint_is_a_plain_url(endpoint: str, rule: str) -> None:
    with pytest.raises(InvalidSubscription, match=rule):
        LaSubscription.subscribe(uuid4(), "841", Channel.WEBHOOK, hook(endpoint), NOW)


@pytest.mark.parametrize("seconds", [59, 86_401, 2**40])
def test_a_heartbeat_is_from_a_minute_to_a_day(seconds: int) -> None:
    terms = SubscriptionTerms(endpoint="https://hooks.la841.example/fhir", heartbeat_seconds=seconds)
    with pytest.raises(InvalidSubscription, match="from 60 to 86400"):
        LaSubscription.subscribe(uuid4(), "841", Channel.FHIR_REST_HOOK, terms, NOW)


def test_a_header_value_carries_no_control_character() -> None:
    terms = SubscriptionTerms(endpoint="https://hooks.la841.example/fhir", headers={"Authorization": "Bearer a\x00"})
    with pytest.raises(InvalidSubscription, match="header value"):
        LaSubscription.subscribe(uuid4(), "841", Channel.FHIR_REST_HOOK, terms, NOW)
