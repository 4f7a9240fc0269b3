"""Health advice for an EHC needs assessment, asked and given end to end on the real embedded broker and PostgreSQL,
with the real identity, notifications, ehcp and health-advice services: LA 841 asks ICB QHM for a child's health
advice twice; health-advice opens both requests from ehcp's events and routes them to the ICB's team; the ICB's
system accepts both through the FHIR API, records a reg 8(2) clock stop on one (the child away from the area for 4
weeks) and ends it, then submits the other's advice within its 6 weeks and this one's late even with the stop;
ehcp records each advice with its own clock's judgment (on the late one not health-advice's: see the end). 841
receives every step of both services on its Kafka topic and its signed webhook; LA 805, subscribed alike, hears
nothing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from notifications_kit.messages import wait_for
from pathfinder.contracts.assessment import (
    AdviceReceived,
    AdviceRequested,
    AssessmentAtRisk,
    AssessmentConsiderationNotified,
    AssessmentDecisionMade,
    AssessmentRequested,
    StatutoryLimitDueSoon,
    StatutoryLimitOverdue,
)
from pathfinder.contracts.fhir.advice import AdviceDocument, SubmittedAdvice, submitted_advice_resource
from pathfinder.contracts.fhir.advice_codes import (
    CLOCK_STATE_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    ON_CLOCK,
)
from pathfinder.contracts.health_advice import (
    HealthAdviceAccepted,
    HealthAdviceClockRestarted,
    HealthAdviceClockStopped,
    HealthAdviceDueSoon,
    HealthAdviceOverdue,
    HealthAdviceRequested,
    HealthAdviceSubmitted,
)
from pathfinder.contracts.plans import ReviewDue
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.notifications.domain.la_subscription import la_topic

if TYPE_CHECKING:
    from tests.early_years.conftest import EarlyYearsWorld, EhcpUnderTest, HealthAdviceUnderTest

TEAM, PROVIDER = "qhm-community-paediatrics", "RXP"  # QHM's team for 841's requests, and the trust running it
ABSENT = AdviceClockStopReason.ABSENT_FROM_AREA
# Each service's steps, in the order each publishes them (its own topic keeps one child's events in order).
EHCP_STEPS = [
    AssessmentRequested.event_type,
    AssessmentConsiderationNotified.event_type,
    AssessmentDecisionMade.event_type,
    AdviceRequested.event_type,  # the late one
    AdviceRequested.event_type,  # the one in time
    AdviceReceived.event_type,  # the one in time
    AdviceReceived.event_type,  # the late one
]
HEALTH_ADVICE_STEPS = [
    HealthAdviceRequested.event_type,  # the late one
    HealthAdviceRequested.event_type,  # the one in time
    HealthAdviceAccepted.event_type,  # the late one
    HealthAdviceAccepted.event_type,  # the one in time
    HealthAdviceClockStopped.event_type,
    HealthAdviceClockRestarted.event_type,
    HealthAdviceSubmitted.event_type,  # the one in time
    HealthAdviceSubmitted.event_type,  # the late one
]
# What the timers and the early warning of either service may announce about steps dated in the past: each at most
# once (the late request's overdue alert again for the due date its clock stop moved is another announcement).
ALERTS = frozenset(
    kind.event_type
    for kind in (
        StatutoryLimitDueSoon, StatutoryLimitOverdue, ReviewDue, AssessmentAtRisk, HealthAdviceDueSoon,
        HealthAdviceOverdue,
    )
)  # fmt: skip
TaskChange = Callable[[dict[str, Any]], None]
SETTLE_SECONDS = 2.0  # after 841 has its last event, how long anything for 805 is given to show


def statutory_dates(today: date) -> dict[str, date]:
    """The assessment decided well within its 6 weeks and its final plan not yet near; health asked 80 days ago
    for one request (6 weeks + the 4-week stop = 70 days: 10 days late today) and 20 days ago for the other (22
    days left)."""
    received = today - timedelta(weeks=17)
    late_asked = today - timedelta(days=80)
    stopped = late_asked + timedelta(days=10)
    return {
        "received": received,
        "notified": received + timedelta(weeks=1),
        "decided": received + timedelta(weeks=4),
        "late_asked": late_asked,
        "in_time_asked": today - timedelta(days=20),
        "stopped": stopped,
        "stop_last_day": stopped + timedelta(days=27),  # away 28 days, first and last counted: reg 8(2)(b)
    }


def stop_clock(reason: AdviceClockStopReason, first_day: date) -> TaskChange:
    """The Task's change that records a reg 8(2) clock stop from ``first_day``."""

    def change(task: dict[str, Any]) -> None:
        coding = {"system": CLOCK_STOP_REASON_SYSTEM, "code": reason.value}
        task["businessStatus"] = {"coding": [coding]}
        period = {"url": "period", "valuePeriod": {"start": first_day.isoformat()}}
        stop = {"url": CLOCK_STOP_EXTENSION, "extension": [{"url": "reason", "valueCoding": coding}, period]}
        task["extension"] = [*task.get("extension", []), stop]

    return change


def restart_clock(last_day: date) -> TaskChange:
    """The Task's change that ends the open clock stop on ``last_day``."""

    def change(task: dict[str, Any]) -> None:
        task["businessStatus"] = {"coding": [{"system": CLOCK_STATE_SYSTEM, "code": ON_CLOCK[0]}]}
        [period] = [part for part in task["extension"][-1]["extension"] if part["url"] == "period"]
        period["valuePeriod"]["end"] = last_day.isoformat()

    return change


def accept(task: dict[str, Any]) -> None:
    task["status"] = "accepted"


def advice_document(advice_request_id: str) -> dict[str, Any]:
    """The paediatrician's advice as the trust's system submits it: a DocumentReference to the letter."""
    letter = f"%PDF-1.7 health advice for {advice_request_id}".encode()
    advice = SubmittedAdvice(
        advice_request_id=UUID(advice_request_id), form=AdviceForm.DOCUMENT, author=PROVIDER,
        authored_at=datetime.now(UTC) - timedelta(hours=1),
        document=AdviceDocument(
            url=f"https://documents.cddft.nhs.uk/ehc-advice/{advice_request_id}.pdf", content_type="application/pdf",
            size=len(letter), sha1=base64.b64encode(hashlib.sha1(letter).digest()).decode(),  # noqa: S324 - FHIR's hash
        ),
    )  # fmt: skip
    return submitted_advice_resource(advice, base_url="https://api.pathfinder-send.org/fhir")


async def test_health_advice_asked_by_ehcp_is_given_in_time_and_late_and_every_step_reaches_the_la(
    early_years_world: EarlyYearsWorld, ehcp: EhcpUnderTest, health_advice: HealthAdviceUnderTest
) -> None:
    world = early_years_world
    DARLINGTON, HARTLEPOOL, DEADLINE, ICB = world.RESPONSIBLE_LA, world.OTHER_LA, world.DEADLINE, health_advice.ICB
    today = datetime.now(ZoneInfo("Europe/London")).date()
    on = statutory_dates(today)
    child = world.child(given_names=["Oliver"], family_name="Brancepeth")
    details = world.personal_details(child)
    catalogue = await world.api.get("/event-types")
    assert catalogue.status_code == 200, catalogue.text
    event_types = sorted(
        t["event_type"]
        for t in catalogue.json()
        if t["event_type"].startswith(("pathfinder.ehcp.", "pathfinder.health-advice."))
    )
    assert set(EHCP_STEPS) | set(HEALTH_ADVICE_STEPS) | ALERTS <= set(event_types)
    async with world.subscribed_both_ways(DARLINGTON, HARTLEPOOL, event_types=event_types) as las:
        hooks, secrets, subscriptions = las.hooks, las.secrets, las.subscriptions
        hook = hooks[DARLINGTON]

        async with world.running(*ehcp.service.workers(), *health_advice.service.workers()):
            for topic in (la_topic(DARLINGTON), la_topic(HARTLEPOOL)):
                await wait_for(partial(world.topic_exists, topic), DEADLINE, what=f"{topic} created")
            async with world.reading(DARLINGTON) as topic_841, world.reading(HARTLEPOOL) as topic_805:
                # 1. The child comes to 841's notice; 841 decides to assess and asks QHM for health advice twice.
                notification_id, person_id = await ehcp.child_noticed(world, child, DARLINGTON)
                at = await ehcp.deciding_to_assess(
                    person_id, notification_id, received_on=on["received"], notified_on=on["notified"],
                    decided_on=on["decided"], la_reference="DAR-EHC-2026-0107",
                )  # fmt: skip
                late, in_time = str(uuid4()), str(uuid4())
                for advice_request_id, asked in ((late, on["late_asked"]), (in_time, on["in_time_asked"])):
                    await ehcp.step(
                        f"{at}/advice-requests",
                        {"advice_request_id": advice_request_id, "kind": "health", "advisor_organisation": ICB,
                         "requested_on": asked.isoformat()},
                    )  # fmt: skip

                # 2. health-advice opens both from ehcp's events; the ICB's system accepts both.
                for advice_request_id in (late, in_time):
                    await wait_for(
                        partial(health_advice.opened, advice_request_id), DEADLINE,
                        what=f"advice request {advice_request_id} opened by health-advice",
                    )  # fmt: skip
                accepted = [await health_advice.update_task(one, accept) for one in (late, in_time)]

                # 3. The child was away from the area for 4 weeks: the late request's clock stopped, then ran again.
                stopped = await health_advice.update_task(late, stop_clock(ABSENT, on["stopped"]))
                restarted = await health_advice.update_task(late, restart_clock(on["stop_last_day"]))

                # 4. The advice: in time for one, late (even with the stop) for the other.
                completed = {
                    one: await health_advice.submit_advice(one, advice_document(one)) for one in (in_time, late)
                }

                # 5. ehcp records both from health-advice's events.
                async def advice_recorded() -> bool:
                    case = await ehcp.read(at)
                    assert case.status_code == 200, case.text
                    return {one["advice_request_id"]: one["received_on"] for one in case.json()["advice_requests"]} == {
                        late: today.isoformat(),
                        in_time: today.isoformat(),
                    }

                await wait_for(advice_recorded, DEADLINE, what="both advice recorded by ehcp from their events")

                # 6. 841 has every step on both channels; 805 is given time to show anything, then read to the end.
                received = AdviceReceived.event_type
                await wait_for(lambda: len(topic_841.of_type(received)) == 2, DEADLINE, what="AdviceReceived x2")
                await wait_for(
                    lambda: len(world.hook_events(hook, received)) == 2, DEADLINE, what="AdviceReceived x2 hooked"
                )
                submitted_type = HealthAdviceSubmitted.event_type
                await wait_for(
                    lambda: len(topic_841.of_type(submitted_type)) == 2, DEADLINE, what="HealthAdviceSubmitted x2"
                )
                await wait_for(
                    lambda: len(world.hook_events(hook, submitted_type)) == 2, DEADLINE, what="submitted x2 hooked"
                )
                await asyncio.sleep(SETTLE_SECONDS)
                for reader in (topic_841, topic_805):
                    await wait_for(reader.caught_up, DEADLINE, what=f"{reader.topic} read to the end")
                records_841, records_805 = list(topic_841.records), list(topic_805.records)
                logs_841 = [await world.deliveries(s) for s in subscriptions[DARLINGTON]]
                logs_805 = [await world.deliveries(s) for s in subscriptions[HARTLEPOOL]]
                accepted_841 = list(hook.accepted)
                assessment = (await ehcp.read(at)).json()

    # 2-4. The ICB's system saw each step on its Task.
    assert [task["status"] for task in accepted] == ["accepted", "accepted"]
    assert {task["owner"]["identifier"]["value"] for task in accepted} == {TEAM}, "routed by QHM's rule for 841"
    assert stopped["businessStatus"]["coding"][0]["code"] == ABSENT.value
    assert restarted["businessStatus"]["coding"][0]["code"] == ON_CLOCK[0]
    assert {one: task["status"] for one, task in completed.items()} == {late: "completed", in_time: "completed"}

    # 6. Kafka and webhook: each step of each service once and in its order, each alert at most once, all about the
    # child and thin.
    kafka_events = world.assert_delivered_alike(
        alerts=ALERTS, details=details, person_id=person_id, la=DARLINGTON, records=records_841, hook=hook,
        accepted=accepted_841, secret=secrets[DARLINGTON], logs=logs_841,
    )  # fmt: skip
    steps = [kind for kind, _ in kafka_events if kind not in ALERTS]
    assert [kind for kind in steps if kind.startswith("pathfinder.ehcp.")] == EHCP_STEPS
    assert [kind for kind in steps if kind.startswith("pathfinder.health-advice.")] == HEALTH_ADVICE_STEPS
    assert Counter(steps) == Counter(EHCP_STEPS + HEALTH_ADVICE_STEPS)

    # What each event says: health-advice's requests for ehcp's, the ICB's team, the stop moving the late one's due
    # date by its 28 days, and each service's judgment of the advice.
    def about(kind: str) -> dict[str, dict[str, Any]]:
        return {data["advice_request_id"]: data for found, data in kafka_events if found == kind}

    requested = about(HealthAdviceRequested.event_type)
    assert {
        one: (data["health_body"], data["received_on"], data["advice_due_on"]) for one, data in requested.items()
    } == {
        late: (ICB, on["late_asked"].isoformat(), (on["late_asked"] + timedelta(days=42)).isoformat()),
        in_time: (ICB, on["in_time_asked"].isoformat(), (on["in_time_asked"] + timedelta(days=42)).isoformat()),
    }
    assert {data["assessment_id"] for data in requested.values()} == {assessment["assessment_id"]}
    assert {one: data["accepted_by"] for one, data in about(HealthAdviceAccepted.event_type).items()} == {
        late: ICB,
        in_time: ICB,
    }
    [(_, stop)] = about(HealthAdviceClockStopped.event_type).items()
    assert (stop["advice_request_id"], stop["reason"], stop["stopped_on"]) == (
        late,
        ABSENT.value,
        on["stopped"].isoformat(),
    )
    [(_, restart)] = about(HealthAdviceClockRestarted.event_type).items()
    late_due = on["late_asked"] + timedelta(days=42 + 28)
    assert restart["restarted_on"] == (on["stop_last_day"] + timedelta(days=1)).isoformat()
    assert restart["advice_due_on"] == late_due.isoformat() and late_due < today
    given = about(HealthAdviceSubmitted.event_type)
    assert {one: (data["form"], data["within_statutory_limit"]) for one, data in given.items()} == {
        in_time: ("document", True),
        late: ("document", False),
    }
    recorded = about(AdviceReceived.event_type)
    assert {one: (data["advice_kind"], data["received_on"]) for one, data in recorded.items()} == {
        in_time: ("health", today.isoformat()),
        late: ("health", today.isoformat()),
    }

    # LA 805, subscribed to the same event types on both channels, heard nothing.
    assert records_805 == []
    assert hooks[HARTLEPOOL].attempts == 0 and hooks[HARTLEPOOL].accepted == []
    assert logs_805 == [[], []]

    # ehcp keeps the stop health-advice reported on its request for advice, shows the 6 weeks disapplied by it over
    # its days, and judges the advice by the same moved date health-advice counts (ADR 0009): the two agree.
    limits = {one["subject"]: one for one in assessment["limits"] if one["limit"] == "advice"}
    assert (limits[in_time]["state"], limits[in_time]["met_on"]) == ("met-on-time", today.isoformat())
    assert (limits[late]["state"], limits[late]["working_target_on"], limits[late]["met_on"]) == (
        "disapplied",
        late_due.isoformat(),
        today.isoformat(),
    )
    assert [(one["legal_basis"], one["first_day"], one["last_day"]) for one in limits[late]["disapplied_by"]] == [
        ("reg 8(2)(b)", on["stopped"].isoformat(), on["stop_last_day"].isoformat())
    ]
    health_advice_says = {one: data["within_statutory_limit"] for one, data in given.items()}
    ehcp_says = {one: data["within_statutory_limit"] for one, data in recorded.items()}
    assert health_advice_says == {in_time: True, late: False}
    assert ehcp_says == health_advice_says, "ehcp's AdviceReceived judges the late advice as health does"
