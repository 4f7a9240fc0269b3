"""A notification held for an identity review reaches the LA as soon as the LA's reviewer names the child.

On the real embedded broker and databases, with the real identity app and its outbox relay publishing to the same
broker: the trust's first notification names child A; its second, for a record identity scores only as a possible
match of A, is held (and the LA hears nothing of it, nor may it read it); when LA 841's reviewer decides the review
on identity's API, identity announces the decision and notifications releases the held notification at once, on
that event, not on its 15-minute re-check."""

from __future__ import annotations

import json
from functools import partial
from typing import TYPE_CHECKING

from notifications_kit.messages import wait_for
from pathfinder.auth import Scope
from pathfinder.messaging.envelope import header_value
from pathfinder.notifications.domain.la_subscription import la_topic

if TYPE_CHECKING:
    from tests.early_years.conftest import EarlyYearsWorld


async def test_a_notification_held_for_review_is_released_to_the_la_when_its_reviewer_names_the_child(
    early_years_world: EarlyYearsWorld,
) -> None:
    world = early_years_world
    la_code, deadline, received = world.RESPONSIBLE_LA, world.DEADLINE, world.RECEIVED
    amelia = world.child(given_names=["Amelia"], family_name="Smith")
    # Same surname, birth date, sex and postcode, another forename and no NHS number: only a possible match.
    millie = world.child(given_names=["Millie"], family_name="Smith", nhs_number=None, nhs_number_verification=None)
    reviewer = await world.identity.client_credentials(la_code, Scope.PERSONS_REVIEW)
    as_reviewer = {"Authorization": f"Bearer {await reviewer.access_token()}", "X-Purpose": "record-linkage"}

    # a. LA 841 subscribes on Kafka.
    on_kafka = await world.subscribe(la_code, channel="kafka")
    async with world.running(*world.identity.service.workers()):
        await wait_for(partial(world.topic_exists, la_topic(la_code)), deadline, what="841's topic created")
        async with world.reading(la_code) as topic_841:
            # b. The trust's notification for A, whose NHS number is verified: identity names A as person P.
            first = await world.submit(amelia)
            assert first.status_code == 202, first.text
            await wait_for(lambda: bool(topic_841.of_type(received)), deadline, what="A's Received on Kafka")
            person_id = (topic_841.of_type(received)[0].key or b"").decode()

            # c. The second notification is held for a person to decide.
            second = await world.submit(millie)
            assert second.status_code == 202, second.text
            held_id = second.json()["id"]
            held = partial(world.status_is, held_id, "awaiting-identity-review")
            await wait_for(held, deadline, what="the second held for review")
            # The la-delivery consumer has handled every event notifications emitted and 841 has read its topic
            # to the end: nothing went out for the held notification.
            await wait_for(partial(world.delivered, on_kafka, 1), deadline, what="A's delivery logged")
            await wait_for(topic_841.caught_up, deadline, what="841's topic read to the end")
            before_review = list(topic_841.records)
            emitted_before_review = await world.events_about(held_id)
            held_status = await world.status(held_id)
            hidden_from_la = await world.status(held_id, la_code)

            # d. LA 841's reviewer finds the review on identity's API and decides: the same person, P.
            listed = await world.identity.http.get("/match-reviews", headers=as_reviewer)
            assert listed.status_code == 200, listed.text
            [review] = listed.json()["reviews"]
            candidates = [candidate["person_id"] for candidate in review["candidates"]]
            decision = {"decision": "same-person", "person_id": person_id}
            url = f"/match-reviews/{review['review_id']}/decision"
            decided = await world.identity.http.post(url, json=decision, headers=as_reviewer)
            assert decided.status_code == 200, decided.text

            # e. No timer fires within the deadline (the re-check is every 15 minutes): the event releases it.
            await wait_for(lambda: len(topic_841.of_type(received)) == 2, deadline, what="held Received on Kafka")
            reached = partial(world.status_is, held_id, "received", "delivered")
            await wait_for(reached, deadline, what="held notification received")
            await wait_for(partial(world.status_is, held_id, "delivered"), deadline, what="held delivered")
            released_status = await world.status(held_id)
            la_status = await world.status(held_id, la_code)
            await wait_for(topic_841.caught_up, deadline, what="841's topic read to the end again")
            after_review = list(topic_841.records)

    # c. Before the decision: 841 had A's Received only, and the held notification was hidden from it.
    assert [header_value(r.headers, "ce_type") for r in before_review] == [received]
    assert json.loads(before_review[0].value or b"")["notification_id"] == first.json()["id"]
    assert emitted_before_review == []
    assert held_status.status_code == 200 and held_status.json()["status"] == "awaiting-identity-review"
    assert hidden_from_la.status_code == 404, hidden_from_la.text

    # d. The review was 841's, about the held record, offering P.
    assert review["responsible_la"] == la_code and person_id in candidates
    assert decided.json()["person_id"] == person_id

    # e. Exactly one more event, a Received for the held notification, keyed by P; the LA may now read it.
    assert [header_value(r.headers, "ce_type") for r in after_review] == [received, received]
    released = after_review[1]
    assert (released.key or b"").decode() == person_id
    assert header_value(released.headers, "ce_subject") == person_id
    event = json.loads(released.value or b"")
    assert event["notification_id"] == held_id and event["person_id"] == person_id
    world.assert_thin("released Received", world.kafka_bytes(released), world.personal_details(millie))
    assert released_status.json()["status"] == "delivered"
    assert la_status.status_code == 200 and la_status.json()["status"] == "delivered"
