"""A replay from the archive to one LA subscription (ADR 0011), as rules and a use case on fakes: only the named
subscription gets the event, on its channel, marked as a replay and keyed by the replay; everything else is
refused with the reason."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from uuid import uuid4

import pytest
from notifications_kit.fakes import FakeStore, subscription_rules
from notifications_kit.messages import received_event
from pathfinder.contracts import ContractEvent
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgedByLa,
    EarlyYearsNotificationReceived,
    EarlyYearsNotificationRejected,
    NotificationRejectionReason,
)
from pathfinder.contracts.wire import REPLAY_ID_HEADER, REPLAY_SUBSCRIPTION_HEADER
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord
from pathfinder.notifications.domain.la_delivery import (
    REPLAY_HEADER,
    DeliveryState,
    PublicUrls,
    structured_event,
)
from pathfinder.notifications.domain.la_replay import ReplayTarget, UnreadableReplay, replay_refusal
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, SubscriptionTerms, la_topic
from pathfinder.notifications.service_layer.la_delivery import deliver_to_la
from pathfinder.notifications.service_layer.la_replay import (
    ReplayRefused,
    refusal_of_replay,
    replay_to_subscription,
)
from pathfinder.notifications.service_layer.la_subscriptions import subscribe
from pathfinder.notifications.service_layer.rest_hook_bundles import REPLAY_EXTENSION, rest_hook_document

RECEIVED = EarlyYearsNotificationReceived.event_type
ACKNOWLEDGED = EarlyYearsNotificationAcknowledgedByLa.event_type
URLS = PublicUrls("https://notifications.test", "https://identity.test", "https://ehcp.test")
SECRET = "whsec_" + "A" * 32
HOOK = SubscriptionTerms(endpoint="https://la841.example/hook", secrets=(SECRET,))


@cache
def envelope_of(event: ContractEvent) -> EventEnvelope:
    """The envelope ``event`` was first published in: one per event, as the archive keeps it."""
    delivery = read_record(KafkaRecord.of(message_for_event(event, source="/pathfinder/notifications")))
    assert delivery.envelope is not None
    return delivery.envelope


async def subscribed(
    store: FakeStore, la_code: str, channel: Channel, terms: SubscriptionTerms | None = None
) -> LaSubscription:
    given = terms or SubscriptionTerms()
    return await subscribe(la_code, channel, given, uow=store.unit_of_work(), rules=subscription_rules())


async def replay(store: FakeStore, target: ReplayTarget, event: ContractEvent) -> str | None:
    """As the consumer does: judge, then deliver, in one transaction; the refusal if there was one."""
    async with store.unit_of_work() as uow:
        refusal = await refusal_of_replay(event, target, uow=uow)
        if refusal is None:
            await replay_to_subscription(event, envelope_of(event), target, uow=uow, public_urls=URLS)
        await uow.commit()
    return refusal


async def test_a_replayed_event_reaches_only_the_named_subscription_marked_with_its_replay() -> None:
    store = FakeStore()
    hook = await subscribed(store, "841", Channel.WEBHOOK, HOOK)
    await subscribed(store, "841", Channel.KAFKA)
    await subscribed(store, "805", Channel.WEBHOOK, HOOK)
    event = received_event(la_code="841")
    target = ReplayTarget(uuid4(), hook.id)

    assert await replay(store, target, event) is None

    [delivery] = store.deliveries.values()
    assert (delivery.subscription_id, delivery.state) == (hook.id, DeliveryState.PENDING)
    assert delivery.event.event_id == envelope_of(event).id, "the event keeps its own id: LA systems dedupe on it"
    assert delivery.event.replay_id == target.replay_id
    assert store.records == [], "the LA's Kafka subscription gets nothing"


async def test_a_replay_delivers_again_what_was_delivered_live_and_each_replay_once_more() -> None:
    store = FakeStore()
    hook = await subscribed(store, "841", Channel.FHIR_REST_HOOK, SubscriptionTerms(endpoint="https://la841.example"))
    event = received_event(la_code="841")
    async with store.unit_of_work() as uow:
        assert await deliver_to_la(event, envelope_of(event), uow=uow, public_urls=URLS) == 1
        await uow.commit()
    first, second = ReplayTarget(uuid4(), hook.id), ReplayTarget(uuid4(), hook.id)
    assert await replay(store, first, event) is None
    assert await replay(store, second, event) is None

    deliveries = sorted(store.deliveries.values(), key=lambda d: d.id or 0)
    assert [d.event.replay_id for d in deliveries] == [None, first.replay_id, second.replay_id]
    assert [d.event_number for d in deliveries] == [1, 2, 3], "a rest-hook numbers a replayed event as any other"


async def test_on_kafka_a_replay_writes_the_las_topic_with_the_replay_named() -> None:
    store = FakeStore()
    topic = await subscribed(store, "841", Channel.KAFKA)
    event = received_event(la_code="841")
    async with store.unit_of_work() as uow:
        await deliver_to_la(event, envelope_of(event), uow=uow, public_urls=URLS)
        await uow.commit()
    target = ReplayTarget(uuid4(), topic.id)
    assert await replay(store, target, event) is None

    live, replayed = store.records
    assert replayed.topic == la_topic("841") and replayed.key == str(event.person_id)
    assert dict(replayed.headers)["ce_id"] == dict(live.headers)["ce_id"]
    assert dict(replayed.headers)[REPLAY_HEADER] == str(target.replay_id).encode()
    assert REPLAY_HEADER not in dict(live.headers)
    assert replayed.event_id != live.event_id, "a replay's record is not taken for the live one's"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("another LA's child", "the event is about a child of LA 805; subscription {id} is LA 841's"),
        ("no such subscription", "subscription {id} does not exist (it was removed, or never made)"),
        ("not subscribed to", f"subscription {{id}} does not subscribe to {ACKNOWLEDGED}"),
        ("never for an LA", f"{EarlyYearsNotificationRejected.event_type} is not an event type an LA may receive"),
    ],
)
async def test_a_replay_the_subscription_may_not_have_is_refused_and_changes_nothing(case: str, expected: str) -> None:
    store = FakeStore()
    hook = await subscribed(store, "841", Channel.WEBHOOK, replace(HOOK, event_types=frozenset({RECEIVED})))
    target = ReplayTarget(uuid4(), uuid4() if case == "no such subscription" else hook.id)
    event = {
        "another LA's child": received_event(la_code="805"),
        "no such subscription": received_event(la_code="841"),
        "not subscribed to": acknowledged(la_code="841"),
        "never for an LA": rejected(),
    }[case]

    assert await replay(store, target, event) == expected.format(id=target.subscription_id)
    assert store.deliveries == {} and store.records == []
    async with store.unit_of_work() as uow:
        with pytest.raises(ReplayRefused):
            await replay_to_subscription(event, envelope_of(event), target, uow=uow, public_urls=URLS)


class NamingNoLa(EarlyYearsNotificationReceived):
    """A deliverable event whose data names no LA: no catalogued one does, and the rule must hold if one did."""

    @property
    def audience_la(self) -> str | None:
        return None


def test_an_event_naming_no_la_is_refused() -> None:
    subscription = LaSubscription.subscribe(uuid4(), "841", Channel.KAFKA, SubscriptionTerms(), datetime.now(UTC))
    target = ReplayTarget(uuid4(), subscription.id)
    event = received_event(la_code="841")
    assert replay_refusal(target, subscription, event) is None
    nameless = NamingNoLa(**event.model_dump())
    assert replay_refusal(target, subscription, nameless) == "the event names no responsible LA: no LA may receive it"


def test_a_record_names_its_replay_and_subscription_or_is_unreadable() -> None:
    replay_id, subscription_id = uuid4(), uuid4()
    headers = [(REPLAY_ID_HEADER, str(replay_id).encode()), (REPLAY_SUBSCRIPTION_HEADER, str(subscription_id).encode())]
    target = ReplayTarget.from_headers([("ce_id", b"x"), *headers])
    assert target == ReplayTarget(replay_id, subscription_id)
    event_id = uuid4()
    assert target.key(event_id) == ReplayTarget(replay_id, subscription_id).key(event_id), (
        "the same record, the same key"
    )
    assert target.key(event_id) != ReplayTarget(uuid4(), subscription_id).key(event_id)
    assert target.key(event_id) != ReplayTarget(replay_id, uuid4()).key(event_id)
    with pytest.raises(UnreadableReplay, match=f"no {REPLAY_SUBSCRIPTION_HEADER} header"):
        ReplayTarget.from_headers(headers[:1])
    with pytest.raises(UnreadableReplay, match=f"the {REPLAY_ID_HEADER} header is not a UUID"):
        ReplayTarget.from_headers([(REPLAY_ID_HEADER, b"replay-1"), headers[1]])


def test_a_webhook_body_and_a_rest_hook_bundle_name_the_replay() -> None:
    event = received_event()
    envelope = envelope_of(event)
    replay_id = uuid4()
    fields = {
        "event_id": envelope.id,
        "source": envelope.source,
        "event_type": envelope.type,
        "time": envelope.time,
        "subject": envelope.subject,
        "la_code": "841",
        "correlation_id": envelope.correlation_id,
        "data": envelope.data,
        "link": "https://notifications.test/x",
    }
    live = json.loads(structured_event(**fields))  # type: ignore[arg-type]
    replayed = json.loads(structured_event(**fields, replay_id=replay_id))  # type: ignore[arg-type]
    assert "replayid" not in live
    assert replayed == {**live, "replayid": str(replay_id)}, "the live body plus the marker"


async def test_a_rest_hook_notification_marks_only_the_replayed_event() -> None:
    store = FakeStore()
    hook = await subscribed(store, "841", Channel.FHIR_REST_HOOK, SubscriptionTerms(endpoint="https://la841.example"))
    event = received_event(la_code="841")
    async with store.unit_of_work() as uow:
        await deliver_to_la(event, envelope_of(event), uow=uow, public_urls=URLS)
        await uow.commit()
    target = ReplayTarget(uuid4(), hook.id)
    await replay(store, target, event)
    deliveries = sorted(store.deliveries.values(), key=lambda d: d.id or 0)
    subscription = store.subscriptions[hook.id]

    at = datetime.now(UTC)
    document = rest_hook_document(subscription, NotificationType.EVENT_NOTIFICATION, deliveries, URLS.notifications, at)

    parameters = document["entry"][0]["resource"]["parameter"]
    events = [p for p in parameters if p["name"] == "notification-event"]
    markers = [[e for e in p.get("extension", []) if e["url"] == REPLAY_EXTENSION] for p in events]
    assert markers == [[], [{"url": REPLAY_EXTENSION, "valueUuid": f"urn:uuid:{target.replay_id}"}]]


def acknowledged(la_code: str) -> EarlyYearsNotificationAcknowledgedByLa:
    return EarlyYearsNotificationAcknowledgedByLa(
        person_id=uuid4(),
        responsible_la=la_code,
        notification_id=uuid4(),
        acknowledged_at=datetime.now(UTC),
        la_reference=None,
    )


def rejected() -> EarlyYearsNotificationRejected:
    return EarlyYearsNotificationRejected(
        notification_id=uuid4(),
        notifying_organisation="RR8",
        rejected_at=datetime.now(UTC),
        reasons=(NotificationRejectionReason.PARENT_NOT_INFORMED,),
    )
