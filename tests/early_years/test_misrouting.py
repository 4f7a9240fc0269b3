"""However a message names a child and an LA, no other LA learns of the child: the real identity service owns
the responsible LA. A trust naming LA 805 for a child identity holds under LA 841 reaches 841 (the trust sees
where it went); a message naming an unregistered LA is rejected and reaches nobody; LA 805 matching 841's child
by its NHS number gets a person of its own, learns nothing, and 841's audit shows the attempt."""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial
from typing import TYPE_CHECKING

from notifications_kit.messages import wait_for
from pathfinder.auth import Scope
from pathfinder.devstack.webhook_receiver import new_secret, running_receiver
from pathfinder.notifications.domain.la_subscription import la_topic

if TYPE_CHECKING:
    from tests.early_years.conftest import EarlyYearsWorld


async def test_no_message_steers_a_child_to_another_la(early_years_world: EarlyYearsWorld) -> None:
    world = early_years_world
    DARLINGTON, HARTLEPOOL, DEADLINE = world.RESPONSIBLE_LA, world.OTHER_LA, world.DEADLINE
    RECEIVED = world.RECEIVED
    rosa = world.child(given_names=["Rosa"])
    secret = new_secret()
    with ExitStack() as stack:
        hartlepool_hook = stack.enter_context(running_receiver(secret))
        await world.subscribe(HARTLEPOOL, channel="kafka")
        await world.subscribe(HARTLEPOOL, channel="webhook", endpoint=hartlepool_hook.url, secrets=[secret])
        await world.subscribe(DARLINGTON, channel="kafka")
        async with world.running():
            for topic in (la_topic(DARLINGTON), la_topic(HARTLEPOOL)):
                await wait_for(partial(world.topic_exists, topic), DEADLINE, what=f"{topic} created")
            async with world.reading(DARLINGTON) as topic_841, world.reading(HARTLEPOOL) as topic_805:
                first = await world.submit(rosa, DARLINGTON)
                assert first.status_code == 202, first.text
                # The same child (the same verified NHS number), the trust now naming Hartlepool.
                misnamed = await world.submit(rosa, HARTLEPOOL)
                assert misnamed.status_code == 202, misnamed.text
                unregistered = await world.submit(world.child(given_names=["Ned"]), "999")
                await wait_for(lambda: len(topic_841.of_type(RECEIVED)) == 2, DEADLINE, what="both at 841")
                refused = partial(world.status_is, unregistered.json()["id"], "rejected")
                await wait_for(refused, DEADLINE, what="identity's refusal of LA 999 applied")
                for reader in (topic_841, topic_805):
                    await wait_for(reader.caught_up, DEADLINE, what=f"{reader.topic} read to the end")
                status = (await world.status(misnamed.json()["id"])).json()
                records_805 = list(topic_805.records)

    assert (status["named_la"], status["responsible_la"]) == (HARTLEPOOL, DARLINGTON), "identity's LA wins"
    assert len({record.key for record in topic_841.of_type(RECEIVED)}) == 1, "both about the one child"
    assert records_805 == [] and hartlepool_hook.attempts == 0, "Hartlepool heard nothing of Rosa"
    assert unregistered.status_code == 202, "accepted, then refused: identity does not know LA 999"
    rejected = (await world.api.get(unregistered.headers["Location"], headers=world.trust)).json()
    assert (rejected["status"], rejected["reasons"]) == ("rejected", ["responsible-la-unknown"])

    # Hartlepool asks identity itself, with Rosa's verified NHS number.
    hartlepool = await world.identity.client_credentials(HARTLEPOOL, Scope.PERSONS_MATCH)
    probe = {
        "responsible_la": HARTLEPOOL,
        "demographics": {"given_names": ["Rosa"], "family_name": rosa.family_name},
        "identifiers": [{"kind": "nhs-number", "value": rosa.nhs_number}],
        "nhs_number_verification": "01",
    }
    answer = await world.identity.http.post(
        "/persons/$match",
        json=probe,
        params={"purpose": "record-linkage"},
        headers={"Authorization": f"Bearer {await hartlepool.access_token()}"},
    )
    assert answer.status_code == 200, answer.text
    rosa_at_841 = (await world.matcher.match_child(rosa, responsible_la=DARLINGTON, request_id="check")).person_id
    assert answer.json()["person_id"] != str(rosa_at_841), "805 does not get 841's child"
    assert answer.json()["identifiers_held_elsewhere"] == [], "nor learns that the number is held"
    darlington = await world.identity.client_credentials(DARLINGTON, Scope.AUDIT_READ)
    audit = await world.identity.http.get(
        "/audit-events",
        params={"person_id": str(rosa_at_841), "purpose": "record-linkage"},
        headers={"Authorization": f"Bearer {await darlington.access_token()}"},
    )
    assert audit.status_code == 200, audit.text
    asked = [event for event in audit.json()["events"] if event["actor"]["organisation"] == HARTLEPOOL]
    assert [event["outcome"] for event in asked] == ["denied"], "841's audit shows 805's attempt"
