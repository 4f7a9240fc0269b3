"""A child's EHC journey end to end on the real embedded broker and PostgreSQL, with the real identity,
notifications and ehcp services: a trust's early-years notification brings the child to LA 841's notice; 841
requests an assessment, notifies its consideration, decides to assess, asks health and an educational psychologist
for advice (health answering through the health-advice service's event, the psychologist's arriving by hand),
serves the draft, takes the parent's representations, issues the final plan and holds its first annual review.
841 receives every lifecycle step on its Kafka topic and its signed webhook, each thin and pseudonymous, in the
order it happened; LA 805, subscribed to the same event types on both channels, hears nothing of the child."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from functools import partial
from typing import TYPE_CHECKING
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
    DraftPlanIssued,
    DraftPlanRepresentationsReceived,
    FinalPlanIssued,
    StatutoryLimitDueSoon,
    StatutoryLimitOverdue,
)
from pathfinder.contracts.health_advice import HealthAdviceSubmitted
from pathfinder.contracts.plans import (
    ReviewAdviceCirculated,
    ReviewDecided,
    ReviewDue,
    ReviewHeld,
    ReviewMeetingNotified,
    ReviewReportSent,
)
from pathfinder.contracts.vocabulary import AdviceForm
from pathfinder.messaging.envelope import header_value
from pathfinder.notifications.domain.la_subscription import la_topic

if TYPE_CHECKING:
    from tests.early_years.conftest import EarlyYearsWorld, EhcpUnderTest

ICB = "QHM"  # North East and North Cumbria ICB, Darlington's
LIFECYCLE = [
    AssessmentRequested.event_type,
    AssessmentConsiderationNotified.event_type,
    AssessmentDecisionMade.event_type,
    AdviceRequested.event_type,  # health
    AdviceRequested.event_type,  # educational psychology
    AdviceReceived.event_type,  # health, through health-advice
    AdviceReceived.event_type,  # educational psychology, recorded by the LA
    DraftPlanIssued.event_type,
    DraftPlanRepresentationsReceived.event_type,
    FinalPlanIssued.event_type,
    ReviewMeetingNotified.event_type,
    ReviewAdviceCirculated.event_type,
    ReviewHeld.event_type,
    ReviewReportSent.event_type,
    ReviewDecided.event_type,
]
# What the timers and the early warning may announce between steps dated in the past: each at most once.
ALERTS = frozenset(
    kind.event_type for kind in (StatutoryLimitDueSoon, StatutoryLimitOverdue, ReviewDue, AssessmentAtRisk)
)
SETTLE_SECONDS = 2.0  # after 841 has its last event, how long anything for 805 is given to show


def statutory_dates(today: date) -> dict[str, date]:
    """Every step on a London date in the past, each in order and each in time but the psychologist's advice,
    which comes a few days after its 6 weeks; the first review well inside the plan's first year."""
    received = today - timedelta(weeks=40)
    health_asked = received + timedelta(weeks=5, days=1)  # each advisor has 6 weeks from being asked
    # Asked a day apart, so that their alerts, which name the assessment and the due date, tell them apart.
    psychology_asked = health_asked + timedelta(days=1)
    issued = received + timedelta(weeks=18)  # final plan due by week 20
    review_notice = today - timedelta(weeks=10)
    return {
        "received": received,
        "consideration": received + timedelta(weeks=1),
        "decided": received + timedelta(weeks=5),  # due by week 6
        "health_asked": health_asked,
        "psychology_asked": psychology_asked,
        "health_given": health_asked + timedelta(weeks=5),
        "psychology_given": psychology_asked + timedelta(weeks=6, days=3),
        "draft": received + timedelta(weeks=14),
        "representations": received + timedelta(weeks=15),
        "issued": issued,
        "review_notice": review_notice,
        "review_advice": review_notice + timedelta(days=3),
        "review_meeting": review_notice + timedelta(weeks=4),
        "review_report": review_notice + timedelta(weeks=5),
        "review_decided": review_notice + timedelta(weeks=6),
    }


async def test_a_childs_ehc_lifecycle_reaches_only_the_responsible_la_step_by_step(
    early_years_world: EarlyYearsWorld, ehcp: EhcpUnderTest
) -> None:
    world = early_years_world
    DARLINGTON, HARTLEPOOL, DEADLINE = world.RESPONSIBLE_LA, world.OTHER_LA, world.DEADLINE
    today = datetime.now(ZoneInfo("Europe/London")).date()
    dates = statutory_dates(today)
    on = {step: day.isoformat() for step, day in dates.items()}
    philippa = world.child()
    details = world.personal_details(philippa)
    catalogue = await world.api.get("/event-types")
    assert catalogue.status_code == 200, catalogue.text
    ehcp_types = sorted(t["event_type"] for t in catalogue.json() if t["event_type"].startswith("pathfinder.ehcp."))
    assert set(LIFECYCLE) | ALERTS <= set(ehcp_types)
    async with world.subscribed_both_ways(DARLINGTON, HARTLEPOOL, event_types=ehcp_types) as las:
        hooks, secrets, subscriptions = las.hooks, las.secrets, las.subscriptions
        hook = hooks[DARLINGTON]

        async with world.running(*ehcp.service.workers()):
            for topic in (la_topic(DARLINGTON), la_topic(HARTLEPOOL)):
                await wait_for(partial(world.topic_exists, topic), DEADLINE, what=f"{topic} created")
            async with world.reading(DARLINGTON) as topic_841, world.reading(HARTLEPOOL) as topic_805:
                # 1. The trust notifies 841 of the child; identity names the child; ehcp records the notice.
                notification_id, person_id = await ehcp.child_noticed(world, philippa, DARLINGTON)

                # 2. 841 requests the assessment, notifies its consideration and decides to assess.
                at = await ehcp.deciding_to_assess(
                    person_id, notification_id, received_on=dates["received"], notified_on=dates["consideration"],
                    decided_on=dates["decided"], la_reference="DAR-EHC-2026-0042",
                )  # fmt: skip

                # 3. Advice asked of health (through health-advice) and of an educational psychologist.
                health, psychology = uuid4(), uuid4()
                await ehcp.step(
                    f"{at}/advice-requests",
                    {"advice_request_id": str(health), "kind": "health", "advisor_organisation": ICB,
                     "requested_on": on["health_asked"]},
                )  # fmt: skip
                await ehcp.step(
                    f"{at}/advice-requests",
                    {"advice_request_id": str(psychology), "kind": "educational-psychology",
                     "requested_on": on["psychology_asked"]},
                )  # fmt: skip

                # 4. Health gives its advice: the health-advice service's event, which ehcp's intake records.
                given = HealthAdviceSubmitted(
                    person_id=UUID(person_id), responsible_la=DARLINGTON, advice_request_id=health,
                    submitted_at=datetime.combine(date.fromisoformat(on["health_given"]), time_of_day(11), UTC),
                    form=AdviceForm.DOCUMENT, within_statutory_limit=True,
                )  # fmt: skip
                await world.publish_as("health-advice", given)

                async def advice_recorded() -> bool:
                    case = await ehcp.read(at)
                    assert case.status_code == 200, case.text
                    return any(
                        one["advice_request_id"] == str(health) and one["received_on"] == on["health_given"]
                        for one in case.json()["advice_requests"]
                    )

                await wait_for(advice_recorded, DEADLINE, what="health's advice recorded from its event")
                await ehcp.step(f"{at}/advice-requests/{psychology}/received", {"received_on": on["psychology_given"]})

                # 5. The draft, the parent's representations, the final plan.
                await ehcp.step(f"{at}/draft-plan", {"on": on["draft"]})
                await ehcp.step(
                    f"{at}/representations",
                    {"received_on": on["representations"], "particular_setting_requested": False},
                )
                final = await ehcp.step(f"{at}/final-plan", {"issued_on": on["issued"], "icb": ICB})
                plan = f"/plans/{final['plan_id']}"

                # 6. The plan's first annual review, kept.
                await ehcp.step(
                    f"{plan}/review-meeting-notice",
                    {"notified_on": on["review_notice"], "meeting_on": on["review_meeting"]},
                )
                await ehcp.step(f"{plan}/review-advice-circulated", {"on": on["review_advice"]})
                await ehcp.step(f"{plan}/review-meeting", {"on": on["review_meeting"]})
                await ehcp.step(f"{plan}/review-report", {"on": on["review_report"]})
                reviewed = await ehcp.step(
                    f"{plan}/review-decision", {"decided_on": on["review_decided"], "decision": "keep"}
                )

                # 7. 841 has every step on both channels; 805 is given time to show anything, then read to the end.
                decided = ReviewDecided.event_type
                await wait_for(lambda: bool(topic_841.of_type(decided)), DEADLINE, what="ReviewDecided on Kafka")
                await wait_for(lambda: bool(world.hook_events(hook, decided)), DEADLINE, what="ReviewDecided hooked")
                await asyncio.sleep(SETTLE_SECONDS)
                for reader in (topic_841, topic_805):
                    await wait_for(reader.caught_up, DEADLINE, what=f"{reader.topic} read to the end")
                records_841, records_805 = list(topic_841.records), list(topic_805.records)
                logs_841 = [await world.deliveries(s) for s in subscriptions[DARLINGTON]]
                logs_805 = [await world.deliveries(s) for s in subscriptions[HARTLEPOOL]]
                accepted_841 = list(hook.accepted)
                assessment_now = (await ehcp.read(at)).json()
                case_for_805 = await ehcp.read(f"/children/{person_id}", HARTLEPOOL)
                dataref = header_value(records_841[0].headers, "ce_dataref") or ""
                ehcp_prefix = world.service.delivery.ehcp_public_url.rstrip("/")
                case_by_link = await ehcp.read(dataref.removeprefix(ehcp_prefix))

    # 1-6. Every step was taken, and the case shows where it stands.
    assert assessment_now["stage"] == "plan-issued" and assessment_now["plan_id"] == final["plan_id"]
    assert reviewed["stage"] == "maintained", reviewed
    assert dataref.startswith(ehcp_prefix) and case_by_link.status_code == 200, case_by_link.text
    assert case_by_link.json()["person_id"] == person_id

    # 7. Kafka and webhook: each lifecycle step once and in order, each alert at most once, all about the child.
    kafka_events = world.assert_delivered_alike(
        alerts=ALERTS, details=details, person_id=person_id, la=DARLINGTON, records=records_841, hook=hook,
        accepted=accepted_841, secret=secrets[DARLINGTON], logs=logs_841,
    )  # fmt: skip
    steps = [kind for kind, _ in kafka_events if kind not in ALERTS]
    assert steps == LIFECYCLE and {kind for kind, _ in kafka_events} <= set(LIFECYCLE) | ALERTS

    # The dates tell the statutory story: health within its 6 weeks, the psychologist a few days late.
    requested = [data for kind, data in kafka_events if kind == AdviceRequested.event_type]
    assert [(one["advice_kind"], one["advisor_organisation"]) for one in requested] == [
        ("health", ICB),
        ("educational-psychology", None),
    ]
    received = {data["advice_kind"]: data for kind, data in kafka_events if kind == AdviceReceived.event_type}
    assert received["health"]["advice_request_id"] == str(health)
    assert received["health"]["received_on"] == on["health_given"]
    assert received["health"]["within_statutory_limit"] is True
    assert received["educational-psychology"]["within_statutory_limit"] is False
    [issued] = [data for kind, data in kafka_events if kind == FinalPlanIssued.event_type]
    assert issued["within_statutory_limit"] is True and issued["plan_id"] == final["plan_id"]
    [kept] = [data for kind, data in kafka_events if kind == decided]
    assert (kept["decision"], kept["within_statutory_limit"]) == ("keep", True)

    # LA 805, subscribed to the same event types on both channels, heard nothing and reads nothing of the child.
    assert records_805 == []
    assert hooks[HARTLEPOOL].attempts == 0 and hooks[HARTLEPOOL].accepted == []
    assert logs_805 == [[], []]
    assert case_for_805.status_code == 404
