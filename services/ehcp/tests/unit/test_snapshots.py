"""An assessment or a plan comes back from its JSON snapshot as it was, every value of its own type (a reg 8(2)
clock stop stays one, though its ground's value is also a reg 5(4) exception's), and without the events it raised."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from ehcp_kit.clock_cases import exception
from pathfinder.contracts.plans import AmendmentCause
from pathfinder.contracts.vocabulary import (
    AdviceClockStopReason,
    AdviceKind,
    AssessmentException,
    ConsultedBody,
    Requester,
)
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.adapters.snapshots import assessment_from, assessment_state, plan_from, plan_state
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.plan import EhcPlan

AT = datetime(2027, 2, 1, 9, tzinfo=UTC)
HEALTH, EDUCATION = UUID(int=7), UUID(int=8)


def assessment_with_advice_and_exceptions() -> EhcNeedsAssessment:
    case = EhcNeedsAssessment.request(
        assessment_id=uuid4(), person_id=uuid4(), responsible_la="841", requested_by=Requester.PARENT,
        received_on=date(2026, 9, 1), la_reference="EHC-1", at=AT,
    )  # fmt: skip
    case.notify_consideration(date(2026, 9, 3), (ConsultedBody.RESPONSIBLE_COMMISSIONING_BODY,), AT)
    case.decide("assess", date(2026, 10, 6), AT)
    case.request_advice(HEALTH, AdviceKind.HEALTH, "QHL", date(2026, 10, 8), AT)
    case.request_advice(EDUCATION, AdviceKind.EDUCATION, None, date(2026, 10, 9), AT)
    case.receive_advice(HEALTH, date(2026, 11, 12), AT)
    case.record_exception(
        UUID(int=9),
        exception(AssessmentException.ABSENT_FROM_AREA, "reg 13(3)", date(2026, 10, 20), None, L.FINAL_PLAN),
        AT,
    )
    case.clear_exception(UUID(int=9), date(2026, 12, 1), recorded_in_error=False, at=AT)
    # The aggregate has no step for an advisor's own clock stop yet: set one as the clock reads it.
    stop = exception(AdviceClockStopReason.ABSENT_FROM_AREA, "reg 8(2)(b)", date(2026, 10, 12), None, L.ADVICE)
    case.advice[EDUCATION] = replace(case.advice[EDUCATION], clock_stops=(stop,))
    return case


def test_an_assessment_comes_back_whole_with_each_ground_of_its_own_kind_and_no_events() -> None:
    case = assessment_with_advice_and_exceptions()
    stored = json.loads(json.dumps(assessment_state(case)))
    assert "events" not in stored

    back = assessment_from(stored)

    assert back == case and back.events == [] and case.events
    assert type(back.exceptions[UUID(int=9)].ground) is AssessmentException
    (stop,) = back.advice[EDUCATION].clock_stops
    assert type(stop.ground) is AdviceClockStopReason, "absent from the area under reg 8(2), not reg 5(4)"
    assert back.history == case.history and isinstance(back.history[0].detail, tuple)
    assert back.history[0].recorded_at == AT and back.history[0].recorded_at.utcoffset() is not None
    assert back.facts() == case.facts() and back.allowed_steps == case.allowed_steps


def test_a_plan_comes_back_with_its_reviews_and_amendments() -> None:
    plan = EhcPlan.issued(
        plan_id=uuid4(), person_id=uuid4(), responsible_la="841", assessment_id=uuid4(), issued_on=date(2026, 3, 10),
        at=AT,
    )  # fmt: skip
    plan.notify_review_meeting(date(2027, 1, 10), date(2027, 1, 25), AT)
    plan.hold_review_meeting(date(2027, 1, 25), AT)
    plan.send_review_report(date(2027, 2, 8), AT)
    plan.decide_review(date(2027, 2, 20), "amend", AT)
    plan.propose_amendments(date(2027, 2, 22), AmendmentCause.ANNUAL_REVIEW, AT)
    plan.notify_review_meeting(date(2027, 3, 1), date(2027, 3, 20), AT)

    back = plan_from(json.loads(json.dumps(plan_state(plan))))

    assert back == plan and back.events == [] and plan.events
    assert back.reviews[0].decision == "amend" and back.review_in_progress == plan.reviews[1]
    assert back.amendment_cause is AmendmentCause.ANNUAL_REVIEW and back.facts() == plan.facts()
