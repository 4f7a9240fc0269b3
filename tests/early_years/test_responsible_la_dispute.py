"""A trust naming one LA for a child whose postcode is in another reaches neither until the platform decides.

On the real embedded broker and databases, with the real identity app and its outbox relay on the same broker
(docs/decisions/0007-responsible-la.md): the trust names Hartlepool (805) for a child new to the index whose
postcode, DL1 4AB, is in Darlington (841). Notifications sends identity both LAs, identity holds the record in a
responsible-LA review, and the trust sees ``awaiting-identity-review`` while neither LA hears anything. The
platform decides Darlington; identity's announcement releases the notification to 841 at once, and 805 never
receives it."""

from __future__ import annotations

import json
from contextlib import ExitStack
from functools import partial
from typing import TYPE_CHECKING

from notifications_kit.messages import wait_for
from pathfinder.auth import Scope
from pathfinder.devstack.webhook_receiver import new_secret, running_receiver
from pathfinder.messaging.envelope import header_value
from pathfinder.notifications.domain.la_subscription import la_topic

if TYPE_CHECKING:
    from tests.early_years.conftest import EarlyYearsWorld


async def test_a_disputed_la_reaches_neither_la_until_the_platform_decides_and_then_only_that_one(
    early_years_world: EarlyYearsWorld,
) -> None:
    world = early_years_world
    DARLINGTON, HARTLEPOOL, DEADLINE, RECEIVED = world.RESPONSIBLE_LA, world.OTHER_LA, world.DEADLINE, world.RECEIVED
    tilly = world.child(given_names=["Tilly"], postcode="DL1 4AB")  # a Darlington postcode, new to the index
    platform = await world.identity.client_credentials("pathfinder", Scope.PERSONS_REVIEW)
    as_platform = {"Authorization": f"Bearer {await platform.access_token()}", "X-Purpose": "record-linkage"}
    secret = new_secret()
    with ExitStack() as stack:
        hartlepool_hook = stack.enter_context(running_receiver(secret))
        await world.subscribe(HARTLEPOOL, channel="kafka")
        await world.subscribe(HARTLEPOOL, channel="webhook", endpoint=hartlepool_hook.url, secrets=[secret])
        on_kafka_841 = await world.subscribe(DARLINGTON, channel="kafka")
        async with world.running(*world.identity.service.workers()):
            for topic in (la_topic(DARLINGTON), la_topic(HARTLEPOOL)):
                await wait_for(partial(world.topic_exists, topic), DEADLINE, what=f"{topic} created")
            async with world.reading(DARLINGTON) as topic_841, world.reading(HARTLEPOOL) as topic_805:
                # a. The trust names Hartlepool: held, and neither LA hears of the child.
                sent = await world.submit(tilly, HARTLEPOOL)
                assert sent.status_code == 202, sent.text
                held_id = sent.json()["id"]
                for reader in (topic_841, topic_805):
                    await wait_for(reader.caught_up, DEADLINE, what=f"{reader.topic} read to the end")
                held_status = (await world.status(held_id)).json()
                before = {"841": list(topic_841.records), "805": list(topic_805.records)}
                emitted_before = await world.events_about(held_id)
                unseen = {la: (await world.status(held_id, la)).status_code for la in (DARLINGTON, HARTLEPOOL)}

                # b. The platform finds the review (neither LA does) and decides Darlington.
                listed = await world.identity.http.get("/match-reviews", headers=as_platform)
                assert listed.status_code == 200, listed.text
                [review] = listed.json()["reviews"]
                url = f"/match-reviews/{review['review_id']}/decision"
                decision = {"decision": "new-person", "responsible_la": DARLINGTON}
                decided = await world.identity.http.post(url, json=decision, headers=as_platform)
                assert decided.status_code == 200, decided.text

                # c. Identity's announcement releases it to Darlington; Hartlepool still hears nothing.
                await wait_for(lambda: bool(topic_841.of_type(RECEIVED)), DEADLINE, what="Received at 841")
                await wait_for(partial(world.delivered, on_kafka_841, 1), DEADLINE, what="841's delivery logged")
                await wait_for(partial(world.status_is, held_id, "delivered"), DEADLINE, what="delivered")
                for reader in (topic_841, topic_805):
                    await wait_for(reader.caught_up, DEADLINE, what=f"{reader.topic} read to the end again")
                released_status = (await world.status(held_id)).json()
                darlington_reads = await world.status(held_id, DARLINGTON)
                hartlepool_reads = await world.status(held_id, HARTLEPOOL)
                records_805 = list(topic_805.records)

    # a. The trust saw it held for review; nothing went out, and neither LA could read it.
    assert held_status["status"] == "awaiting-identity-review", held_status
    assert before == {"841": [], "805": []} and emitted_before == []
    assert all(code != 200 for code in unseen.values()), unseen

    # b. The review was the platform's, between the LA named and the LA of the postcode.
    assert (review["kind"], review["responsible_la"]) == ("responsible-la", None)
    assert review["la_choices"] == [HARTLEPOOL, DARLINGTON], "the LA named, then the LA of the postcode"
    assert decided.json()["responsible_la"] == DARLINGTON

    # c. One Received, at Darlington only, for the child the platform registered there.
    [received] = topic_841.of_type(RECEIVED)
    event = json.loads(received.value or b"")
    assert (event["notification_id"], event["responsible_la"]) == (held_id, DARLINGTON)
    assert event["person_id"] == decided.json()["person_id"] == header_value(received.headers, "ce_subject")
    assert (released_status["named_la"], released_status["responsible_la"]) == (HARTLEPOOL, DARLINGTON)
    assert darlington_reads.status_code == 200 and darlington_reads.json()["status"] == "delivered"
    assert hartlepool_reads.status_code != 200, "the LA named is not the LA responsible"
    assert records_805 == [] and hartlepool_hook.attempts == 0, "Hartlepool never heard of Tilly"
