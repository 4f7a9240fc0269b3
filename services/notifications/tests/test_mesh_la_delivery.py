"""LA delivery by MESH on NHS England's own sandbox and the real PostgreSQL: an LA's MESH subscription gets each
event as a message in its mailbox, collected with ``mesh-client`` as the LA's system would; MESH's 429 and 5xx
are ridden out; the LA acknowledging the message acknowledges the notification; a message it never collects
raises the overdue alert; and an LA may subscribe by MESH only to a mailbox onboarded as its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from notifications_kit.mesh_world import MeshWorld, NewMailbox, mesh_world
from notifications_kit.service import RECEIVED, la_delivery_service, notify
from pathfinder.contracts.fhir.subscription_notification_reader import read_subscription_notification
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.mesh_faults import MeshFaults
from pathfinder.devstack.mesh_sandbox import MeshSandbox
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord
from pathfinder.messaging.schema import outbox
from pathfinder.notifications.adapters.tables import early_years_notification, la_delivery
from pathfinder.notifications.domain.la_delivery import RetryPolicy
from pathfinder.notifications.domain.la_subscription import MeshContent
from pathfinder.notifications.domain.mesh_mailbox import LA_EVENT_WORKFLOW, MailboxRole
from pathfinder.notifications.service_layer.acknowledgements import raise_overdue_acknowledgements
from pathfinder.notifications.service_layer.la_delivery import deliver_to_la, send_next_delivery
from pathfinder.notifications.service_layer.mesh_mailboxes import register_partner_mailbox
from pathfinder.notifications.service_layer.mesh_subscriptions import subscribe_la_mailbox
from pathfinder.notifications.service_layer.mesh_tracking import track_mesh_deliveries
from pathfinder.notifications.settings import LaDeliverySettings
from sqlalchemy import select

FAST = RetryPolicy(initial_seconds=0.05, max_seconds=0.2, budget=20)
DUE_AFTER = timedelta(days=5)
OUTBOX_POST = r"/messageexchange/[^/]+/outbox"


@pytest.fixture
async def world(
    fresh_database: Callable[[str], Awaitable[str]], mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox
) -> AsyncIterator[MeshWorld]:
    async with mesh_world(await fresh_database("mesh_la_delivery"), mesh_sandbox, mesh_mailbox) as world:
        yield world
        await closed(world)


@pytest.fixture
async def faulty_world(
    fresh_database: Callable[[str], Awaitable[str]],
    mesh_sandbox: MeshSandbox,
    mesh_mailbox: NewMailbox,
    mesh_faults: MeshFaults,
) -> AsyncIterator[tuple[MeshWorld, MeshFaults]]:
    database = await fresh_database("mesh_la_faults")
    async with mesh_world(database, mesh_sandbox, mesh_mailbox, mesh_url=mesh_faults.url) as world:
        yield world, mesh_faults
        await closed(world)


async def closed(world: MeshWorld) -> None:
    """The platform's MESH clients closed, as the service's closers do when it stops."""
    for close in world.service.closers():
        await close()


async def notified_by_trust(world: MeshWorld) -> UUID:
    """A trust's notification for LA 841, named by identity; its Received event put through LA delivery as the
    la-delivery consumer would."""
    service = world.service
    notification = await notify(service)
    query = select(outbox.c.payload).where(outbox.c.event_type == RECEIVED).order_by(outbox.c.position.desc())
    async with service.engine.connect() as connection:
        payload = (await connection.execute(query.limit(1))).scalar_one()
    event = EarlyYearsNotificationReceived.model_validate_json(payload)
    assert event.notification_id == notification.id
    record = read_record(KafkaRecord.of(message_for_event(event, source=service.source)))
    assert record.event is not None and record.envelope is not None
    async with service.unit_of_work() as uow:
        assert await deliver_to_la(record.event, record.envelope, uow=uow, public_urls=service.delivery.public_urls)
        await uow.commit()
    return notification.id


async def dispatch_until_sent(world: MeshWorld, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (await mesh_delivery(world))["state"] != "delivered":
        assert asyncio.get_running_loop().time() < deadline, f"not delivered: {await mesh_delivery(world)}"
        if not await send_next_delivery(
            unit_of_work=world.service.unit_of_work,
            endpoints=world.service.la_endpoints(),
            policy=FAST,
            lease=world.service.delivery_lease,
            per_la=2,
        ):
            await asyncio.sleep(0.05)


async def mesh_delivery(world: MeshWorld) -> dict[str, Any]:
    async with world.service.engine.connect() as connection:
        row = (await connection.execute(select(la_delivery))).one()
    return dict(row._mapping)


async def notification_row(world: MeshWorld, notification_id: UUID) -> dict[str, Any]:
    query = select(early_years_notification).where(early_years_notification.c.id == notification_id)
    async with world.service.engine.connect() as connection:
        return dict((await connection.execute(query)).one()._mapping)


def collected_by_la(world: MeshWorld, *, acknowledge: bool) -> list[dict[str, Any]]:
    """Every message in the LA's inbox, as its system collects them with NHS England's client."""
    found = []
    with world.client_of(world.la) as la:
        for message_id in la.list_messages():
            message = la.retrieve_message(message_id)
            found.append(
                {
                    "id": message_id,
                    "sender": message.sender,
                    "workflow": message.mex_header("workflowid"),
                    "local_id": message.mex_header("localid"),
                    "subject": message.mex_header("subject"),
                    "content_type": message.content_type,
                    "body": message.read(),
                }
            )
            message.close()
            if acknowledge:
                la.acknowledge_message(message_id)
    return found


async def track(world: MeshWorld, at: datetime) -> int:
    assert world.service.mesh_post is not None
    return await track_mesh_deliveries(
        unit_of_work=world.service.unit_of_work,
        post=world.service.mesh_post,
        interval=timedelta(minutes=5),
        due_after=DUE_AFTER,
        now=lambda: at,
    )


async def test_an_las_mailbox_gets_each_event_as_a_cloudevent_and_collecting_it_acknowledges_the_notification(
    world: MeshWorld,
) -> None:
    await subscribe_la_mailbox("841", world.la.mailbox_id, uow=world.service.unit_of_work())
    notification_id = await notified_by_trust(world)
    await dispatch_until_sent(world)
    sent = await mesh_delivery(world)
    assert (sent["response_status"], sent["mesh_sender"]) == (202, world.platform.mailbox_id)

    [message] = collected_by_la(world, acknowledge=True)
    assert message["id"] == sent["mesh_message_id"] and message["sender"] == world.platform.mailbox_id
    assert (message["workflow"], message["subject"]) == (LA_EVENT_WORKFLOW, RECEIVED)
    assert message["content_type"] == "application/cloudevents+json"
    event = json.loads(message["body"])
    assert event["id"] == message["local_id"] == str(sent["event_id"]), "LAs deduplicate on the local id"
    assert (event["type"], event["lacode"], event["data"]["notification_id"]) == (RECEIVED, "841", str(notification_id))
    assert (await notification_row(world, notification_id))["status"] == "delivered"

    assert await track(world, datetime.now(UTC)) == 1
    assert (await mesh_delivery(world))["mesh_status"] == "acknowledged"
    acknowledged = await notification_row(world, notification_id)
    assert (acknowledged["status"], acknowledged["la_reference"]) == ("acknowledged", f"mesh:{message['id']}")
    assert acknowledged["delivery_channel"] == "mesh"
    assert await track(world, datetime.now(UTC) + timedelta(hours=1)) == 0, "final: tracked no more"


async def test_an_la_may_take_fhir_backport_bundles_by_mesh(world: MeshWorld) -> None:
    made = await subscribe_la_mailbox(
        "841", world.la.mailbox_id, MeshContent.FHIR_BUNDLE, uow=world.service.unit_of_work()
    )
    notification_id = await notified_by_trust(world)
    await dispatch_until_sent(world)
    [message] = collected_by_la(world, acknowledge=False)
    assert message["content_type"] == "application/fhir+json"
    bundle = read_subscription_notification(json.loads(message["body"]))
    assert bundle.subscription_url.endswith(f"/fhir/Subscription/{made.id}")
    [numbered] = bundle.events
    assert numbered.event_number == 1 and numbered.focus_url.endswith(f"/early-years-notifications/{notification_id}")


async def test_mesh_busy_and_failing_are_ridden_out_and_the_la_gets_the_event_once(
    faulty_world: tuple[MeshWorld, MeshFaults],
) -> None:
    world, faults = faulty_world
    await subscribe_la_mailbox("841", world.la.mailbox_id, uow=world.service.unit_of_work())
    await notified_by_trust(world)
    busy = faults.inject("POST", OUTBOX_POST, 429, retry_after=0)
    failing = faults.inject("POST", OUTBOX_POST, 503)
    await dispatch_until_sent(world)
    assert (busy.served, failing.served) == (1, 1)
    sent = await mesh_delivery(world)
    assert sent["attempts"] == 3, "two failed attempts, retried by the dispatcher's backoff"
    assert len(collected_by_la(world, acknowledge=True)) == 1


async def test_a_message_the_la_never_collects_raises_the_overdue_alert_after_meshs_five_days(
    world: MeshWorld,
) -> None:
    await subscribe_la_mailbox("841", world.la.mailbox_id, uow=world.service.unit_of_work())
    notification_id = await notified_by_trust(world)
    await dispatch_until_sent(world)
    delivered_at = (await notification_row(world, notification_id))["delivered_at"]
    assert await track(world, delivered_at + timedelta(hours=1)) == 1
    assert (await mesh_delivery(world))["mesh_status"] == "accepted", "waiting in the LA's inbox"
    uow = world.service.unit_of_work
    early = await raise_overdue_acknowledgements(
        uow=uow(), due_after=DUE_AFTER, now=lambda: delivered_at + timedelta(days=4)
    )
    assert early == 0
    late = await raise_overdue_acknowledgements(uow=uow(), due_after=DUE_AFTER, now=lambda: delivered_at + DUE_AFTER)
    assert late == 1
    assert (await notification_row(world, notification_id))["status"] == "acknowledgement-overdue"


async def test_a_message_mesh_reports_undeliverable_raises_the_overdue_alert_at_once(world: MeshWorld) -> None:
    await subscribe_la_mailbox("841", world.la.mailbox_id, uow=world.service.unit_of_work())
    notification_id = await notified_by_trust(world)
    await dispatch_until_sent(world)
    world.sandbox.report_undelivered(str((await mesh_delivery(world))["mesh_message_id"]))
    assert await track(world, datetime.now(UTC)) == 1
    assert (await mesh_delivery(world))["mesh_status"] in {"undeliverable", "error"}
    notification = await notification_row(world, notification_id)
    assert notification["status"] == "acknowledgement-overdue" and notification["acknowledged_at"] is None


async def test_an_la_subscribes_by_mesh_on_its_api_only_to_a_mailbox_onboarded_as_its_own(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await fresh_database("mesh_subscription_api")
    async with la_delivery_service(url, LaDeliverySettings()) as world:
        uow = world.service.unit_of_work
        await register_partner_mailbox("X26LA84101", MailboxRole.LOCAL_AUTHORITY, "841", uow=uow())
        await register_partner_mailbox("X26LA80501", MailboxRole.LOCAL_AUTHORITY, "805", uow=uow())
        refused = await world.api.post(
            "/subscriptions", json={"channel": "mesh", "endpoint": "X26LA80501"}, headers=world.headers("841")
        )
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert (problem["title"], problem["mailbox"]) == ("MESH mailbox not onboarded", "X26LA80501")
        assert "onboard" in problem["detail"]

        made = await world.subscribe("841", channel="mesh", endpoint="x26la84101", mesh_content="fhir-bundle")
        assert (made["mesh_mailbox"], made["mesh_content"], made["endpoint"]) == (
            "X26LA84101",
            "fhir-bundle",
            "X26LA84101",
        )
        shown = (await world.api.get(f"/subscriptions/{made['id']}", headers=world.headers("841"))).json()
        assert (shown["channel"], shown["mesh_mailbox"], shown["mesh_content"]) == ("mesh", "X26LA84101", "fhir-bundle")
        with_secret = await world.api.post(
            "/subscriptions",
            json={"channel": "mesh", "endpoint": "X26LA84101", "secrets": ["whsec_" + "A" * 32]},
            headers=world.headers("841"),
        )
        assert with_secret.status_code == 422 and with_secret.json()["title"] == "Invalid subscription"
