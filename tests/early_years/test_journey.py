"""An early-years notification's whole journey on the real embedded broker and PostgreSQL, with the real identity
service: the trust's and the LAs' systems take their access tokens from identity with signed client assertions;
the trust posts a FHIR message Bundle; identity's $match names the child; LA 841 receives the thin Received event
on its Kafka topic and its signed webhook while LA 805, subscribed the same way, hears nothing; the trust sees the
notification delivered; 841 acknowledges with its own reference (805 is refused), the trust sees the reference and
the acknowledgement reaches 841 on both channels too."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

import pytest
from notifications_kit.messages import wait_for
from pathfinder.messaging.envelope import header_value
from pathfinder.notifications.adapters.webhook_signing import SignatureMismatch, verify
from pathfinder.notifications.domain.la_subscription import la_topic

if TYPE_CHECKING:
    from tests.early_years.conftest import EarlyYearsWorld

LA_REFERENCE = "DAR-EY-2026-0042"


async def test_a_trusts_notification_reaches_only_the_responsible_la_and_its_acknowledgement_comes_back(
    early_years_world: EarlyYearsWorld,
) -> None:
    world = early_years_world
    TRUST, RESPONSIBLE_LA, OTHER_LA = world.TRUST, world.RESPONSIBLE_LA, world.OTHER_LA
    RECEIVED, ACKNOWLEDGED, DEADLINE = world.RECEIVED, world.ACKNOWLEDGED, world.DEADLINE
    philippa = world.child()
    details = world.personal_details(philippa)
    async with world.subscribed_both_ways(RESPONSIBLE_LA, OTHER_LA) as las:
        hooks, secrets, subscriptions = las.hooks, las.secrets, las.subscriptions
        for la_code, (on_kafka, _) in subscriptions.items():
            assert on_kafka["kafka_topic"] == f"pathfinder.la.{la_code}.events"

        async with world.running():
            for topic in (la_topic(RESPONSIBLE_LA), la_topic(OTHER_LA)):
                await wait_for(partial(world.topic_exists, topic), DEADLINE, what=f"{topic} created")
            async with world.reading(RESPONSIBLE_LA) as topic_841, world.reading(OTHER_LA) as topic_805:
                # 1. The trust submits a FHIR message Bundle for a child of LA 841.
                submitted = await world.submit(philippa, RESPONSIBLE_LA)
                assert submitted.status_code == 202, submitted.text
                notification_id = submitted.json()["id"]
                assert submitted.headers["Location"].endswith(f"/fhir/early-years-notifications/{notification_id}")

                # 2. LA 841 receives the Received event on its topic and by signed webhook.
                await wait_for(lambda: bool(topic_841.of_type(RECEIVED)), DEADLINE, what="Received on Kafka")
                hook_841 = hooks[RESPONSIBLE_LA]
                await wait_for(lambda: bool(world.hook_events(hook_841, RECEIVED)), DEADLINE, what="webhook")

                # 4. The trust sees it delivered.
                await wait_for(lambda: world.status_is(notification_id, "delivered"), DEADLINE, what="delivered")
                delivered = (await world.status(notification_id)).json()

                # 5. Another LA may not acknowledge it; the responsible LA does, with its own reference.
                refused = await world.acknowledge(notification_id, OTHER_LA, "HBC-EY-0001")
                acknowledged = await world.acknowledge(notification_id, RESPONSIBLE_LA, LA_REFERENCE)
                again = await world.acknowledge(notification_id, RESPONSIBLE_LA, LA_REFERENCE)
                otherwise = await world.acknowledge(notification_id, RESPONSIBLE_LA, "DAR-EY-2026-9999")

                # 6. The acknowledgement reaches LA 841 on both channels.
                await wait_for(lambda: bool(topic_841.of_type(ACKNOWLEDGED)), DEADLINE, what="ack on Kafka")
                await wait_for(lambda: bool(world.hook_events(hook_841, ACKNOWLEDGED)), DEADLINE, what="ack")
                for subscription in subscriptions[RESPONSIBLE_LA]:
                    # Every delivery is logged delivered, so the la-delivery consumer has handled both events.
                    logged = partial(world.delivered, subscription, 2)
                    await wait_for(logged, DEADLINE, what=f"{subscription['channel']} delivery log")
                acknowledged_status = await world.status(notification_id)
                other_la_status = await world.status(notification_id, OTHER_LA)
                responsible_la_status = await world.status(notification_id, RESPONSIBLE_LA)
                other_la_logs = [await world.deliveries(s) for s in subscriptions[OTHER_LA]]
                # The la-delivery consumer is past both events, so anything for 805 would be in its log and on
                # its topic by now; each reader reads to the end of its topic so that nothing goes unseen.
                for reader in (topic_841, topic_805):
                    await wait_for(reader.caught_up, DEADLINE, what=f"{reader.topic} read to the end")
                records_841, records_805 = list(topic_841.records), list(topic_805.records)
        person_again = await world.matcher.match_child(
            philippa, responsible_la=RESPONSIBLE_LA, request_id="end-to-end-check"
        )

    # Identity named the child: the event's subject is identity's pseudonymous person id.
    assert person_again.person_id is not None
    person_id = str(person_again.person_id)

    # 2. Kafka: exactly Received then Acknowledged, keyed by the child, thin, naming the notification.
    assert [header_value(r.headers, "ce_type") for r in records_841] == [RECEIVED, ACKNOWLEDGED]
    for record in records_841:
        assert record.topic == "pathfinder.la.841.events"
        assert (record.key or b"").decode() == person_id
        assert header_value(record.headers, "ce_subject") == person_id
        assert header_value(record.headers, "ce_lacode") == RESPONSIBLE_LA
        link = header_value(record.headers, "ce_dataref") or ""
        # Notify, then retrieve: the link, on notifications' public URL, is the LA's way to the details.
        gateway_prefix = world.service.delivery.notifications_public_url.rstrip("/")
        assert link.startswith(gateway_prefix)
        details_for_la = await world.api.get(link.removeprefix(gateway_prefix), headers=world.headers[RESPONSIBLE_LA])
        assert details_for_la.status_code == 200, details_for_la.text
        assert details_for_la.json()["id"] == notification_id
        withheld = await world.api.get(link.removeprefix(gateway_prefix), headers=world.headers[OTHER_LA])
        assert withheld.status_code == 404
        event = json.loads(record.value or b"")
        assert event["notification_id"] == notification_id and event["person_id"] == person_id
        world.assert_thin(f"kafka {header_value(record.headers, 'ce_type')}", world.kafka_bytes(record), details)
    received_on_kafka = json.loads(records_841[0].value or b"")
    assert received_on_kafka["notifying_organisation"] == TRUST
    assert received_on_kafka["submission_format"] == "fhir-message"
    ack_on_kafka = json.loads(records_841[1].value or b"")
    assert ack_on_kafka["la_reference"] == LA_REFERENCE

    # 2. Webhook: the same events, each once, with a valid Standard Webhooks signature under 841's secret only.
    hook = hooks[RESPONSIBLE_LA]
    assert [item.body["type"] for item in hook.accepted] == [RECEIVED, ACKNOWLEDGED]
    assert hook.bad_signatures == 0 and hook.duplicates == 0
    for item, record in zip(hook.accepted, records_841, strict=True):
        verify(secrets[RESPONSIBLE_LA], item.headers, item.raw, now=int(time.time()))
        with pytest.raises(SignatureMismatch):
            verify(secrets[OTHER_LA], item.headers, item.raw, now=int(time.time()))
        assert item.headers["content-type"] == "application/cloudevents+json"
        assert item.webhook_id == item.body["id"] == header_value(record.headers, "ce_id"), "one event, two channels"
        assert item.body["subject"] == person_id and item.body["lacode"] == RESPONSIBLE_LA
        assert item.body["data"]["notification_id"] == notification_id
        assert item.body["dataref"] == header_value(record.headers, "ce_dataref")
        world.assert_thin(f"webhook {item.body['type']}", world.webhook_bytes(item), details)

    # 3. LA 805, subscribed on both channels, heard nothing of this child.
    assert records_805 == []
    assert hooks[OTHER_LA].attempts == 0 and hooks[OTHER_LA].accepted == []
    assert other_la_logs == [[], []]
    assert other_la_status.status_code == 404

    # 4. Delivered: the Kafka delivery is recorded in the consumer's own transaction, before the webhook's
    # pending row is visible to the dispatcher, so the first delivery channel is always kafka.
    assert delivered["status"] == "delivered" and delivered["responsible_la"] == RESPONSIBLE_LA
    assert delivered["delivery_channel"] == "kafka"
    delivered_at = datetime.fromisoformat(delivered["delivered_at"])
    assert datetime.fromisoformat(delivered["received_at"]) <= delivered_at <= datetime.now(UTC)
    assert delivered["acknowledged_at"] is None and delivered["la_reference"] is None
    assert datetime.fromisoformat(delivered["acknowledgement_due_at"]) > delivered_at

    # 5. 805's acknowledgement is answered as if the notification did not exist (404); 841's is
    # taken; a repeat answers as the first did, and a repeat naming another reference is refused, naming the first.
    assert refused.status_code == 404, refused.text
    assert acknowledged.status_code == 201, acknowledged.text
    assert acknowledged.json()["la_reference"] == LA_REFERENCE
    assert UUID(acknowledged.json()["notification_id"]) == UUID(notification_id)
    assert again.status_code == 200 and again.json()["la_reference"] == LA_REFERENCE
    assert otherwise.status_code == 409 and otherwise.json()["la_reference"] == LA_REFERENCE, otherwise.text

    # 6. The trust sees the acknowledgement with the LA's reference; so does the LA.
    final = acknowledged_status.json()
    assert final["status"] == "acknowledged" and final["la_reference"] == LA_REFERENCE
    assert final["delivery_channel"] == "kafka" and final["delivered_at"] == delivered["delivered_at"]
    assert datetime.fromisoformat(final["acknowledged_at"]) >= delivered_at
    assert final["acknowledgement_due_at"] is None
    assert responsible_la_status.status_code == 200 and responsible_la_status.json()["status"] == "acknowledged"
