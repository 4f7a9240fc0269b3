"""Events reach only the responsible LA's subscriptions, and the dispatcher's state machine, as use cases on
fakes: no server, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from notifications_kit.fakes import FakeIdentity, FakeLaEndpoints, FakePostcodes, FakeStore, subscription_rules
from notifications_kit.messages import received_event, submission
from pathfinder.contracts.notifications import EarlyYearsNotificationDeliveredToLa, EarlyYearsNotificationReceived
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord
from pathfinder.notifications.domain.la_delivery import (
    DATAREF_HEADER,
    DeliveryState,
    LaDelivery,
    PublicUrls,
    RetryPolicy,
    SendOutcome,
)
from pathfinder.notifications.domain.la_subscription import Channel, SubscriptionStatus, SubscriptionTerms, la_topic
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.la_delivery import (
    deliver_to_la,
    la_event,
    send_heartbeats,
    send_next_delivery,
)
from pathfinder.notifications.service_layer.la_subscriptions import (
    SubscriptionConflict,
    redeliver,
    subscribe,
)
from pathfinder.notifications.service_layer.submissions import Submission, submit_early_years_notification

RECEIVED = EarlyYearsNotificationReceived.event_type
URLS = PublicUrls("https://notifications.test", "https://identity.test", "https://ehcp.test")
SECRET = "whsec_" + "A" * 32
POLICY = RetryPolicy(initial_seconds=1, max_seconds=1, budget=3)
LEASE = timedelta(seconds=40)
PER_LA = 2


def envelope_of(event: EarlyYearsNotificationReceived) -> EventEnvelope:
    delivery = read_record(KafkaRecord.of(message_for_event(event, source="/pathfinder/notifications")))
    assert delivery.envelope is not None
    return delivery.envelope


async def subscribed(store: FakeStore, la_code: str, channel: Channel, **terms: object):  # type: ignore[no-untyped-def]
    given = SubscriptionTerms(event_types=frozenset({RECEIVED}), **terms)  # type: ignore[arg-type]
    return await subscribe(la_code, channel, given, uow=store.unit_of_work(), rules=subscription_rules())


async def deliver(store: FakeStore, event: EarlyYearsNotificationReceived) -> int:
    async with store.unit_of_work() as uow:
        made = await deliver_to_la(event, envelope_of(event), uow=uow, public_urls=URLS)
        await uow.commit()
    return made


async def dispatch(store: FakeStore, endpoints: FakeLaEndpoints, now: datetime | None = None) -> bool:
    at = now or datetime.now(UTC)
    return await send_next_delivery(
        unit_of_work=store.unit_of_work, endpoints=endpoints, policy=POLICY, lease=LEASE, per_la=PER_LA, now=lambda: at
    )


async def test_an_event_reaches_only_the_responsible_las_subscriptions() -> None:
    store = FakeStore()
    topic = await subscribed(store, "841", Channel.KAFKA)
    hook = await subscribed(store, "841", Channel.WEBHOOK, endpoint="https://la841.example/hook", secrets=(SECRET,))
    await subscribed(store, "805", Channel.KAFKA)
    event = received_event(la_code="841")
    assert await deliver(store, event) == 2
    [record] = store.records
    assert record.topic == la_topic("841") and record.key == str(event.person_id)
    assert dict(record.headers)[DATAREF_HEADER].decode().endswith(f"/early-years-notifications/{event.notification_id}")
    states = {d.subscription_id: d.state for d in store.deliveries.values()}
    assert states == {topic.id: DeliveryState.DELIVERED, hook.id: DeliveryState.PENDING}
    assert await deliver(store, received_event(la_code="878")) == 0, "an LA with no subscription gets nothing"


async def test_a_webhook_delivery_is_retried_parked_and_its_subscription_paused() -> None:
    store, endpoints = FakeStore(), FakeLaEndpoints(status=500)
    hook = await subscribed(store, "841", Channel.WEBHOOK, endpoint="https://la841.example/hook", secrets=(SECRET,))
    await deliver(store, received_event())
    now = datetime.now(UTC)
    for attempt in range(POLICY.budget):
        assert await dispatch(store, endpoints, now + timedelta(minutes=attempt))
        assert not await dispatch(store, endpoints, now + timedelta(minutes=attempt)), "leased, or backing off"
    [delivery] = store.deliveries.values()
    assert (delivery.state, delivery.attempts, delivery.response_status) == (DeliveryState.PARKED, 3, 500)
    assert store.subscriptions[hook.id].status is SubscriptionStatus.PAUSED
    await deliver(store, received_event())
    assert not await dispatch(store, endpoints, now + timedelta(hours=1)), "a paused subscription's events wait"

    endpoints.status = 204
    queued = await redeliver(
        hook.id, now - timedelta(days=1), now + timedelta(days=1), uow=store.unit_of_work(), authorise=lambda _: None
    )
    assert queued == 2
    while await dispatch(store, endpoints, now + timedelta(hours=2)):
        pass
    assert {d.state for d in store.deliveries.values()} == {DeliveryState.DELIVERED}
    assert store.subscriptions[hook.id].status is SubscriptionStatus.ACTIVE


async def test_one_childs_events_go_out_in_order_and_a_stale_claim_is_taken_over() -> None:
    store, endpoints = FakeStore(), FakeLaEndpoints()
    await subscribed(store, "841", Channel.WEBHOOK, endpoint="https://la841.example/hook", secrets=(SECRET,))
    child = uuid4()
    first, second = received_event(child), received_event(child)
    await deliver(store, first)
    await deliver(store, second)
    now = datetime.now(UTC)
    async with store.unit_of_work() as uow:
        claimed = await uow.subscriptions.claim_due_delivery(now, per_la=PER_LA)
        assert claimed is not None
        subscription, delivery = claimed
        assert delivery.event.event_id == store.deliveries[1].event.event_id, "the child's first event first"
        delivery.claim(now, LEASE)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    assert not await dispatch(store, endpoints, now), "the child's next event waits for the first"
    assert await dispatch(store, endpoints, now + LEASE + timedelta(seconds=1)), "the lease ran out: claimed again"
    assert await dispatch(store, endpoints, now + LEASE + timedelta(seconds=2))
    sent = [event_id for _, event_id in endpoints.sent]
    assert len(sent) == 2 and sent[0] != sent[1]
    assert {d.state for d in store.deliveries.values()} == {DeliveryState.DELIVERED}


async def test_a_notification_delivered_on_two_subscriptions_is_reported_once_for_each() -> None:
    store, identity, endpoints = FakeStore(), FakeIdentity(), FakeLaEndpoints()
    topic = await subscribed(store, "841", Channel.KAFKA)
    hook = await subscribed(store, "841", Channel.WEBHOOK, endpoint="https://la841.example/hook", secrets=(SECRET,))
    given = submission()
    result = await submit_early_years_notification(
        Submission(given, "hash", (f"message:RR8:{given.message_id}",), "fhir-message"),
        uow=store.unit_of_work(),
        postcodes=FakePostcodes(),
    )
    await ask_identity_again(uow=store.unit_of_work(), identity=identity, postcodes=FakePostcodes())
    [received] = store.events_of(EarlyYearsNotificationReceived)
    await deliver(store, received)  # type: ignore[arg-type]
    while await dispatch(store, endpoints):
        pass
    reported = store.events_of(EarlyYearsNotificationDeliveredToLa)
    assert sorted((e.subscription_id, e.channel) for e in reported) == sorted(  # type: ignore[attr-defined]
        [(topic.id, "kafka"), (hook.id, "webhook")]
    )
    notification = store.notifications[result.notification.id]
    assert (notification.status, notification.delivery_channel) == ("delivered", "kafka")
    queued = await redeliver(
        hook.id,
        datetime.now(UTC) - timedelta(days=1),
        datetime.now(UTC) + timedelta(days=1),
        uow=store.unit_of_work(),
        authorise=lambda _: None,
    )
    assert queued == 1
    while await dispatch(store, endpoints):
        pass
    assert len(store.events_of(EarlyYearsNotificationDeliveredToLa)) == 2, "a redelivery reports nothing new"


async def test_an_la_has_one_kafka_subscription_and_rest_hooks_get_heartbeats() -> None:
    store, endpoints = FakeStore(), FakeLaEndpoints()
    await subscribed(store, "841", Channel.KAFKA)
    try:
        await subscribed(store, "841", Channel.KAFKA)
    except SubscriptionConflict:
        pass
    else:
        raise AssertionError("a second Kafka subscription of one LA must conflict")
    rest = await subscribed(
        store, "841", Channel.FHIR_REST_HOOK, endpoint="https://la841.example/fhir", heartbeat_seconds=60
    )
    assert await send_heartbeats(unit_of_work=store.unit_of_work, endpoints=endpoints) == 0, "not due yet"
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert await send_heartbeats(unit_of_work=store.unit_of_work, endpoints=endpoints, now=lambda: later) == 1
    assert await send_heartbeats(unit_of_work=store.unit_of_work, endpoints=endpoints, now=lambda: later) == 0
    assert endpoints.heartbeats == [rest.id]
    await deliver(store, received_event())
    await deliver(store, received_event())
    assert sorted(d.event_number or 0 for d in store.deliveries.values() if d.subscription_id == rest.id) == [1, 2]


def test_only_the_latest_claim_may_record_an_outcome() -> None:
    store_time = datetime.now(UTC)
    event = received_event()
    delivery = LaDelivery(
        subscription_id=uuid4(),
        event=la_event(event, envelope_of(event), public_urls=URLS),
        state=DeliveryState.PENDING,
        created_at=store_time,
        next_attempt_at=store_time,
    )
    stale = delivery.claim(store_time, LEASE)
    latest = delivery.claim(store_time + LEASE, LEASE)  # the first lease ran out; another dispatcher took it
    assert not delivery.holds(stale) and delivery.holds(latest)
    delivery.record(SendOutcome(204, None), store_time, POLICY)
    assert not delivery.holds(latest), "recorded: no claim holds a delivered delivery"


async def claim_for_a_hung_send(store: FakeStore, at: datetime) -> tuple[str, UUID] | None:
    """Claim as the dispatcher does, and never record an outcome: the send hangs. The LA and endpoint taken."""
    async with store.unit_of_work() as uow:
        due = await uow.subscriptions.claim_due_delivery(at, per_la=PER_LA)
        if due is None:
            return None
        subscription, delivery = due
        subscription.claim(delivery, at, LEASE)
        await uow.subscriptions.save(subscription)
        await uow.commit()
    return subscription.la_code, subscription.id


async def test_lanes_are_shared_one_per_endpoint_a_few_per_la_and_las_take_turns() -> None:
    store, endpoints = FakeStore(), FakeLaEndpoints()
    hanging = [
        await subscribed(store, "841", Channel.WEBHOOK, endpoint=f"https://la841.example/{n}", secrets=(SECRET,))
        for n in range(3)
    ]
    for _ in range(4):
        await deliver(store, received_event(uuid4(), la_code="841"))  # each to every one of 841's endpoints
    healthy = await subscribed(store, "805", Channel.WEBHOOK, endpoint="https://la805.example/hook", secrets=(SECRET,))
    for _ in range(2):
        await deliver(store, received_event(uuid4(), la_code="805"))
    start = datetime.now(UTC)

    def at(step: int) -> datetime:
        return start + timedelta(milliseconds=step)

    first, second, third = [await claim_for_a_hung_send(store, at(step)) for step in range(3)]
    assert first is not None and first[0] == "841", "841's deliveries are the oldest"
    assert second == ("805", healthy.id), "805 has waited longer than 841, which was just served"
    assert third is not None and third[0] == "841" and third[1] != first[1], "another of 841's endpoints"
    assert await claim_for_a_hung_send(store, at(3)) is None, f"841 holds its {PER_LA} lanes; 805's endpoint is busy"
    assert {first[1], third[1]} < {s.id for s in hanging}

    assert await dispatch(store, endpoints, at(4)) is False, "nothing may be claimed while those sends hang"
    later = at(5) + LEASE
    # The hung sends' leases ran out: 805 goes first (its turn is older than 841's latest), then 841's endpoint
    # that has waited longest.
    assert await dispatch(store, endpoints, later)
    assert await claim_for_a_hung_send(store, later) == ("841", ({s.id for s in hanging} - {first[1], third[1]}).pop())
    assert [subscription for subscription, _ in endpoints.sent] == [healthy.id]
