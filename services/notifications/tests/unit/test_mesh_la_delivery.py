"""LA delivery by MESH on fakes: each event one MESH message to the LA's mailbox, as the subscription chose it;
MESH busy is retried as an endpoint answering 503 is; and what MESH's tracking says becomes the notification's
acknowledgement, or its overdue alert."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from notifications_kit.fakes import FakeIdentity, FakeLaEndpoints, FakePostcodes, FakeStore, subscription_rules
from notifications_kit.mesh_fakes import REGISTERED_AT, FakeMeshPost, platform_mailbox
from notifications_kit.messages import submission
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.contracts.fhir.subscription_notification_reader import read_subscription_notification
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgedByLa,
    EarlyYearsNotificationAcknowledgementOverdue,
    EarlyYearsNotificationDeliveredToLa,
    EarlyYearsNotificationReceived,
)
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord
from pathfinder.notifications.adapters.channel_endpoints import MESH_OFF, ChannelEndpoints
from pathfinder.notifications.adapters.mesh_la_endpoints import MeshLaEndpoints
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.notifications.domain.la_delivery import DeliveryState, LaDelivery, PublicUrls, RetryPolicy
from pathfinder.notifications.domain.la_subscription import (
    Channel,
    LaSubscription,
    MeshContent,
    SubscriptionStatus,
    SubscriptionTerms,
)
from pathfinder.notifications.domain.mesh_mailbox import LA_EVENT_WORKFLOW, MailboxRole, MeshMailbox
from pathfinder.notifications.service_layer.acknowledgements import raise_overdue_acknowledgements
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.la_delivery import deliver_to_la, send_next_delivery
from pathfinder.notifications.service_layer.la_subscriptions import subscribe
from pathfinder.notifications.service_layer.mesh_subscriptions import subscribe_la_mailbox
from pathfinder.notifications.service_layer.mesh_tracking import track_mesh_deliveries
from pathfinder.notifications.service_layer.ports import LaEndpoints, MeshLetter, MeshRefused, MeshTracking
from pathfinder.notifications.service_layer.submissions import Submission, submit_early_years_notification
from pathfinder.notifications.settings import LaDeliverySettings, MeshSettings

URLS = PublicUrls("https://notifications.test", "https://identity.test", "https://ehcp.test")
POLICY = RetryPolicy(initial_seconds=1, max_seconds=1, budget=3)
LEASE = timedelta(minutes=5)
PLATFORM, LA_MAILBOX = platform_mailbox("X26PF0001"), "X26LA84101"
DUE_AFTER = timedelta(days=5)
INTERVAL = timedelta(minutes=5)


@dataclass
class RefusingPost(FakeMeshPost):
    async def send(self, mailbox: MeshMailbox, letter: MeshLetter) -> str:
        raise MeshRefused("MESH answered 417: the recipient mailbox is not registered")


def world() -> FakeStore:
    la = MeshMailbox(LA_MAILBOX, MailboxRole.LOCAL_AUTHORITY, "841", REGISTERED_AT)
    return FakeStore(mailboxes={PLATFORM.mailbox_id: PLATFORM, LA_MAILBOX: la})


def mesh_endpoints(store: FakeStore, post: FakeMeshPost) -> MeshLaEndpoints:
    settings = MeshSettings(url="https://mesh.test", timeout_seconds=5, retries=0)
    delivery = LaDeliverySettings(notifications_public_url=URLS.notifications)
    return MeshLaEndpoints(post, settings, delivery, store.unit_of_work)


async def by_mesh(store: FakeStore, content: MeshContent = MeshContent.CLOUDEVENTS) -> LaSubscription:
    return await subscribe_la_mailbox("841", LA_MAILBOX, content, uow=store.unit_of_work())


async def notified(store: FakeStore) -> tuple[UUID, EarlyYearsNotificationReceived]:
    """A trust's notification, named by identity: its Received event put through LA delivery."""
    given = submission()
    result = await submit_early_years_notification(
        Submission(given, "hash", (f"message:RR8:{given.message_id}",), "fhir-message"),
        uow=store.unit_of_work(),
        postcodes=FakePostcodes(),
    )
    await ask_identity_again(uow=store.unit_of_work(), identity=FakeIdentity(), postcodes=FakePostcodes())
    [received] = [
        event
        for event in store.events_of(EarlyYearsNotificationReceived)
        if isinstance(event, EarlyYearsNotificationReceived) and event.notification_id == result.notification.id
    ]
    envelope = read_record(KafkaRecord.of(message_for_event(received, source="/pathfinder/notifications"))).envelope
    assert envelope is not None
    async with store.unit_of_work() as uow:
        await deliver_to_la(received, envelope, uow=uow, public_urls=URLS)
        await uow.commit()
    return result.notification.id, received


async def dispatch(store: FakeStore, endpoints: LaEndpoints, at: datetime) -> bool:
    return await send_next_delivery(
        unit_of_work=store.unit_of_work, endpoints=endpoints, policy=POLICY, lease=LEASE, per_la=2, now=lambda: at
    )


async def track(store: FakeStore, post: FakeMeshPost, at: datetime) -> int:
    return await track_mesh_deliveries(
        unit_of_work=store.unit_of_work, post=post, interval=INTERVAL, due_after=DUE_AFTER, now=lambda: at
    )


def only_delivery(store: FakeStore, subscription: LaSubscription) -> LaDelivery:
    [delivery] = [d for d in store.deliveries.values() if d.subscription_id == subscription.id]
    return delivery


async def test_an_event_goes_to_the_las_mailbox_as_a_cloudevent_and_counts_as_delivered() -> None:
    store, post = world(), FakeMeshPost()
    subscription = await by_mesh(store)
    notification_id, received = await notified(store)
    at = datetime.now(UTC)
    assert await dispatch(store, mesh_endpoints(store, post), at)
    [(sender, letter)] = post.sent
    assert (sender, letter.recipient, letter.workflow_id) == (PLATFORM.mailbox_id, LA_MAILBOX, LA_EVENT_WORKFLOW)
    assert (letter.subject, letter.content_type) == (received.event_type, "application/cloudevents+json")
    body = json.loads(letter.body)
    assert body["id"] == letter.local_id, "LAs deduplicate on the local id: the event's id"
    assert (body["type"], body["lacode"], body["data"]["notification_id"]) == (
        received.event_type,
        "841",
        str(notification_id),
    )
    assert body["dataref"] == f"{URLS.notifications}/fhir/early-years-notifications/{notification_id}"
    delivery = only_delivery(store, subscription)
    assert (delivery.state, delivery.response_status) == (DeliveryState.DELIVERED, 202)
    assert (delivery.mesh_message_id, delivery.mesh_sender, delivery.mesh_status) == ("SENT000001", "X26PF0001", None)
    [reported] = store.events_of(EarlyYearsNotificationDeliveredToLa)
    assert (reported.subscription_id, reported.channel) == (subscription.id, "mesh")  # type: ignore[attr-defined]
    assert store.notifications[notification_id].status is NotificationStatus.DELIVERED


async def test_an_la_may_have_fhir_backport_bundles_numbered_as_a_rest_hooks() -> None:
    store, post = world(), FakeMeshPost()
    subscription = await by_mesh(store, MeshContent.FHIR_BUNDLE)
    notification_id, _ = await notified(store)
    await notified(store)
    endpoints = mesh_endpoints(store, post)
    at = datetime.now(UTC)
    while await dispatch(store, endpoints, at):
        pass
    numbers: list[int] = []
    focus: list[str] = []
    for _, letter in post.sent:
        assert letter.content_type == "application/fhir+json"
        bundle = read_subscription_notification(json.loads(letter.body))
        assert bundle.notification_type is NotificationType.EVENT_NOTIFICATION
        assert bundle.subscription_url.endswith(f"/fhir/Subscription/{subscription.id}")
        numbers.extend(event.event_number for event in bundle.events)
        focus.extend(event.focus_url for event in bundle.events)
    assert sorted(numbers) == [1, 2]
    assert f"{URLS.notifications}/fhir/early-years-notifications/{notification_id}" in focus


async def test_mesh_busy_is_retried_with_backoff_then_the_message_goes_once() -> None:
    store, post = world(), FakeMeshPost(fail={"send": 2})
    subscription = await by_mesh(store)
    await notified(store)
    endpoints, at = mesh_endpoints(store, post), datetime.now(UTC)
    assert await dispatch(store, endpoints, at)
    delivery = only_delivery(store, subscription)
    assert (delivery.state, delivery.response_status) == (DeliveryState.PENDING, 503)
    assert delivery.last_error is not None and delivery.last_error.startswith("MESH unavailable")
    assert await dispatch(store, endpoints, at + timedelta(seconds=2))
    assert await dispatch(store, endpoints, at + timedelta(seconds=4))
    delivery = only_delivery(store, subscription)
    assert (delivery.state, delivery.attempts, delivery.mesh_message_id) == (DeliveryState.DELIVERED, 3, "SENT000001")
    assert len(post.sent) == 1


async def test_a_refusal_is_retried_to_the_budget_then_the_subscription_pauses() -> None:
    store, post = world(), RefusingPost()
    subscription = await by_mesh(store)
    await notified(store)
    endpoints, at = mesh_endpoints(store, post), datetime.now(UTC)
    for attempt in range(POLICY.budget):
        assert await dispatch(store, endpoints, at + timedelta(minutes=attempt))
    delivery = only_delivery(store, subscription)
    assert delivery.state is DeliveryState.PARKED and delivery.response_status is None
    assert delivery.last_error == "MESH refused: MESH answered 417: the recipient mailbox is not registered"
    assert store.subscriptions[subscription.id].status is SubscriptionStatus.PAUSED


async def test_without_a_platform_mailbox_or_with_mesh_off_nothing_is_sent() -> None:
    store, post = world(), FakeMeshPost()
    subscription = await by_mesh(store)
    hook = await subscribe(
        "841",
        Channel.WEBHOOK,
        SubscriptionTerms(endpoint="https://la841.example/hook", secrets=("whsec_" + "A" * 32,)),
        uow=store.unit_of_work(),
        rules=subscription_rules(),
    )
    await notified(store)
    http = FakeLaEndpoints()
    off = ChannelEndpoints(http, None)
    at = datetime.now(UTC)
    while await dispatch(store, off, at):
        pass
    assert http.sent and {sent for sent, _ in http.sent} == {hook.id}, "webhooks go over HTTP as ever"
    assert only_delivery(store, subscription).last_error == MESH_OFF.error
    store.mailboxes.pop(PLATFORM.mailbox_id)
    assert await dispatch(store, ChannelEndpoints(http, mesh_endpoints(store, post)), at + timedelta(minutes=1))
    assert only_delivery(store, subscription).last_error == "not sent: no platform MESH mailbox to send from"
    assert post.sent == []


async def sent_by_mesh(store: FakeStore, post: FakeMeshPost) -> tuple[LaSubscription, UUID, datetime]:
    subscription = await by_mesh(store)
    notification_id, _ = await notified(store)
    at = datetime.now(UTC)
    assert await dispatch(store, mesh_endpoints(store, post), at)
    return subscription, notification_id, at


async def test_the_la_acknowledging_the_mesh_message_acknowledges_the_notification() -> None:
    store, post = world(), FakeMeshPost()
    subscription, notification_id, at = await sent_by_mesh(store, post)
    assert await track(store, post, at + timedelta(seconds=1)) == 1
    assert only_delivery(store, subscription).mesh_status == "accepted"
    assert store.notifications[notification_id].status is NotificationStatus.DELIVERED
    assert await track(store, post, at + timedelta(minutes=1)) == 0, "asked again only after the interval"

    collected = at + timedelta(hours=2)
    post.statuses["SENT000001"] = MeshTracking("Acknowledged", acknowledged_at=collected)
    assert await track(store, post, at + timedelta(hours=3)) == 1
    notification = store.notifications[notification_id]
    assert notification.status is NotificationStatus.ACKNOWLEDGED
    assert (notification.acknowledged_at, notification.la_reference) == (collected, "mesh:SENT000001")
    [acknowledged] = store.events_of(EarlyYearsNotificationAcknowledgedByLa)
    assert acknowledged.la_reference == "mesh:SENT000001"  # type: ignore[attr-defined]
    assert only_delivery(store, subscription).mesh_status == "acknowledged"
    assert await track(store, post, at + timedelta(days=1)) == 0, "an acknowledged message is tracked no more"


async def test_a_message_the_la_never_collects_raises_the_overdue_alert_after_five_days() -> None:
    store, post = world(), FakeMeshPost()
    _, notification_id, at = await sent_by_mesh(store, post)
    assert await track(store, post, at + timedelta(days=1)) == 1
    uow = store.unit_of_work
    assert await raise_overdue_acknowledgements(uow=uow(), due_after=DUE_AFTER, now=lambda: at + timedelta(days=4)) == 0
    assert await raise_overdue_acknowledgements(uow=uow(), due_after=DUE_AFTER, now=lambda: at + DUE_AFTER) == 1
    assert store.notifications[notification_id].status is NotificationStatus.ACKNOWLEDGEMENT_OVERDUE
    assert len(store.events_of(EarlyYearsNotificationAcknowledgementOverdue)) == 1


async def test_a_message_mesh_cannot_deliver_raises_the_overdue_alert_at_once() -> None:
    store, post = world(), FakeMeshPost()
    _, notification_id, at = await sent_by_mesh(store, post)
    post.statuses["SENT000001"] = MeshTracking("Undeliverable")
    assert await track(store, post, at + timedelta(minutes=1)) == 1
    notification = store.notifications[notification_id]
    assert notification.status is NotificationStatus.ACKNOWLEDGEMENT_OVERDUE
    [overdue] = store.events_of(EarlyYearsNotificationAcknowledgementOverdue)
    assert overdue.acknowledgement_due_at == at + DUE_AFTER  # type: ignore[attr-defined]
    assert await track(store, post, at + timedelta(days=1)) == 0, "undeliverable is final"
    assert (
        await raise_overdue_acknowledgements(
            uow=store.unit_of_work(), due_after=DUE_AFTER, now=lambda: at + timedelta(days=6)
        )
        == 0
    ), "raised once"


async def test_an_undeliverable_message_waits_for_the_deadline_if_the_notification_also_went_another_way() -> None:
    store, post = world(), FakeMeshPost()
    await subscribe("841", Channel.KAFKA, SubscriptionTerms(), uow=store.unit_of_work(), rules=subscription_rules())
    _, notification_id, at = await sent_by_mesh(store, post)
    post.statuses["SENT000001"] = MeshTracking("Expired")
    assert await track(store, post, at + timedelta(minutes=1)) == 1
    assert store.notifications[notification_id].status is NotificationStatus.DELIVERED
    assert store.events_of(EarlyYearsNotificationAcknowledgementOverdue) == []


async def test_mesh_not_answering_tracking_leaves_the_message_to_be_asked_about_again() -> None:
    store, post = world(), FakeMeshPost(fail={"tracking": 1})
    subscription, _, at = await sent_by_mesh(store, post)
    assert await track(store, post, at + timedelta(seconds=1)) == 1
    delivery = only_delivery(store, subscription)
    assert delivery.mesh_status is None and delivery.mesh_checked_at == at + timedelta(seconds=1)
    assert await track(store, post, at + timedelta(minutes=2)) == 0
    assert await track(store, post, at + timedelta(minutes=6)) == 1
    assert only_delivery(store, subscription).mesh_status == "accepted"
    assert await track(store, post, at + timedelta(days=8)) == 0, "tracked for a week, MESH's limit and more"
