"""The EHC needs assessment as a state machine: each step in turn raises its event with the statutory clock's
dates, and a step out of turn is refused saying which steps the assessment allows now."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from ehcp_kit.clock_cases import exception
from pathfinder.contracts import assessment as events
from pathfinder.contracts.vocabulary import AdviceClockStopReason as Stop
from pathfinder.contracts.vocabulary import AdviceKind, ConsultedBody, Requester, StatutoryStep
from pathfinder.contracts.vocabulary import AssessmentException as Ground
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain.assessment import AssessmentStage, EhcNeedsAssessment
from pathfinder.ehcp.domain.clock import ExceptionRefused, LimitState, limits
from pathfinder.ehcp.domain.lifecycle import InvalidStep, StepRefused

AT = datetime(2027, 2, 1, 9, tzinfo=UTC)
HEALTH = UUID(int=7)


def requested(received_on: date = date(2026, 9, 1)) -> EhcNeedsAssessment:
    return EhcNeedsAssessment.request(
        assessment_id=uuid4(), person_id=uuid4(), responsible_la="841", requested_by=Requester.PARENT,
        received_on=received_on, la_reference="EHC-1", at=AT,
    )  # fmt: skip


def drafted() -> EhcNeedsAssessment:
    """Decided on 6 Oct 2026, health advice asked of QHL on 8 Oct and in on 12 Nov, the draft served 1 Dec."""
    case = requested()
    case.notify_consideration(date(2026, 9, 3), (ConsultedBody.RESPONSIBLE_COMMISSIONING_BODY,), AT)
    case.decide("assess", date(2026, 10, 6), AT)
    case.request_advice(HEALTH, AdviceKind.HEALTH, "QHL", date(2026, 10, 8), AT)
    case.receive_advice(HEALTH, date(2026, 11, 12), AT)
    case.serve_draft(uuid4(), date(2026, 12, 1), AT)
    return case


def test_the_request_starts_the_clock_and_says_when_the_decision_and_the_plan_are_due() -> None:
    case = requested()
    (made,) = case.events
    assert isinstance(made, events.AssessmentRequested)
    assert (made.decision_due_on, made.final_plan_due_on) == (date(2026, 10, 13), date(2027, 1, 19))
    assert case.allowed_steps == ("notify-consideration", "decide", "record-exception", "clear-exception")


def test_each_step_in_turn_raises_its_event_with_the_clocks_dates() -> None:
    case = drafted()
    case.receive_representations(date(2026, 12, 10), particular_setting_requested=True, at=AT)
    plan_id = case.issue_final_plan(date(2027, 1, 12), "QHL", AT)
    kinds = [type(one).__name__ for one in case.events]
    assert kinds == [
        "AssessmentRequested", "AssessmentConsiderationNotified", "AssessmentDecisionMade", "AdviceRequested",
        "AdviceReceived", "DraftPlanIssued", "DraftPlanRepresentationsReceived", "FinalPlanIssued",
    ]  # fmt: skip
    asked, draft, final = case.events[3], case.events[5], case.events[-1]
    assert isinstance(asked, events.AdviceRequested) and asked.advice_due_on == date(2026, 11, 19)
    assert isinstance(draft, events.DraftPlanIssued) and draft.representations_due_on == date(2026, 12, 15)
    assert isinstance(final, events.FinalPlanIssued) and final.plan_id == plan_id
    assert (final.within_statutory_limit, final.exception_applied) == (True, False)
    assert case.stage is AssessmentStage.PLAN_ISSUED and not case.open
    assert [entry.step for entry in case.history][-1] == "final-plan-issued"


def test_a_final_plan_before_a_draft_is_refused_naming_the_steps_allowed_now() -> None:
    case = requested()
    case.decide("assess", date(2026, 10, 6), AT)
    with pytest.raises(StepRefused) as refused:
        case.issue_final_plan(date(2026, 12, 1), "QHL", AT)
    assert str(refused.value) == (
        "issue-final-plan is not allowed while the case is assessing; allowed now: request-advice, receive-advice, "
        "decide-not-to-issue, serve-draft, record-exception, clear-exception"
    )
    assert refused.value.allowed == case.allowed_steps and case.stage is AssessmentStage.ASSESSING


def test_a_draft_before_a_decision_to_assess_is_refused() -> None:
    with pytest.raises(StepRefused, match=r"serve-draft is not allowed while the case is requested; allowed now: "
                                          r"notify-consideration, decide"):  # fmt: skip
        requested().serve_draft(uuid4(), date(2026, 10, 1), AT)


def test_a_second_decision_is_refused() -> None:
    case = requested()
    case.decide("not-assess", date(2026, 9, 21), AT)
    with pytest.raises(StepRefused, match=r"decide is not allowed while the case is not-assessing; allowed now: none"):
        case.decide("assess", date(2026, 9, 22), AT)
    (decided,) = [one for one in case.events if isinstance(one, events.AssessmentDecisionMade)]
    assert decided.decision == "not-assess" and decided.within_statutory_limit


def test_a_late_decision_is_reported_as_outside_the_six_weeks() -> None:
    case = requested()
    case.decide("assess", date(2026, 10, 14), AT)
    decided = case.events[-1]
    assert isinstance(decided, events.AssessmentDecisionMade) and not decided.within_statutory_limit


def test_the_final_plan_waits_for_the_parents_fifteen_days_unless_they_have_spoken() -> None:
    case = drafted()
    with pytest.raises(InvalidStep, match=r"the parent has until 2026-12-15 to comment on the draft \(reg 13\(1\)\)"):
        case.issue_final_plan(date(2026, 12, 15), "QHL", AT)
    assert case.outcome_on is None and "issue-final-plan" in case.allowed_steps, "nothing changed"
    case.issue_final_plan(date(2026, 12, 16), "QHL", AT)
    assert case.stage is AssessmentStage.PLAN_ISSUED


def test_an_exception_is_recorded_with_its_basis_and_then_reported_on_the_final_plan() -> None:
    case = drafted()
    circumstances = exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)", date(2026, 11, 2),
                              date(2026, 12, 20), L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN)  # fmt: skip
    case.record_exception(UUID(int=9), circumstances, AT)
    recorded = case.events[-1]
    assert isinstance(recorded, events.ExceptionRecorded)
    assert recorded.applies_to == (StatutoryStep.DECISION_NOT_TO_ISSUE, StatutoryStep.FINAL_PLAN)
    case.issue_final_plan(date(2027, 2, 1), "QHL", AT)
    final = case.events[-1]
    assert isinstance(final, events.FinalPlanIssued) and (final.within_statutory_limit, final.exception_applied) == (
        True,
        True,
    ), "past the 20 weeks, but they did not bind: reg 13(3)"


def test_an_exception_without_a_basis_is_refused_and_not_kept() -> None:
    case = drafted()
    with pytest.raises(ExceptionRefused, match="cannot disapply decision-not-to-issue"):
        case.record_exception(UUID(int=9), exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 13(3)",
                                                     date(2026, 11, 2), None, L.DECISION_NOT_TO_ISSUE), AT)  # fmt: skip
    with pytest.raises(InvalidStep, match="6, 16 or 20 weeks only"):
        case.record_exception(UUID(int=9), exception(Stop.MISSED_APPOINTMENT, "reg 8(2)(c)", date(2026, 10, 20),
                                                     date(2026, 10, 20), L.ADVICE), AT)  # fmt: skip
    assert case.exceptions == {} and not isinstance(case.events[-1], events.ExceptionRecorded)


def test_clearing_an_exception_ends_it_the_day_before_and_an_error_is_struck_out() -> None:
    case = drafted()
    open_ended = exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 13(3)", date(2026, 11, 2), None,
                           L.FINAL_PLAN)  # fmt: skip
    case.record_exception(UUID(int=9), open_ended, AT)
    case.clear_exception(UUID(int=9), date(2026, 11, 21), recorded_in_error=False, at=AT)
    assert case.exceptions[UUID(int=9)].ends_on == date(2026, 11, 20)
    final = next(one for one in limits(case.facts(), date(2026, 12, 1)) if one.limit is L.FINAL_PLAN)
    assert (final.state, final.working_target_on) == (LimitState.DISAPPLIED, date(2027, 2, 7))
    case.clear_exception(UUID(int=9), date(2026, 11, 21), recorded_in_error=True, at=AT)
    final = next(one for one in limits(case.facts(), date(2026, 12, 1)) if one.limit is L.FINAL_PLAN)
    assert final.state is LimitState.ON_TRACK and final.due_on == date(2027, 1, 19)
    assert isinstance(case.events[-1], events.ExceptionCleared) and case.events[-1].recorded_in_error


def test_an_absence_cleared_before_four_weeks_never_applied() -> None:
    case = requested()
    away = exception(Ground.ABSENT_FROM_AREA, "reg 5(4)(c)", date(2026, 9, 14), None, L.DECISION_TO_ASSESS)
    case.record_exception(UUID(int=3), away, AT)
    case.clear_exception(UUID(int=3), date(2026, 9, 25), recorded_in_error=False, at=AT)
    assert case.exceptions[UUID(int=3)].struck_out, "11 days away is no reg 5(4)(c) absence"
    decision = next(one for one in limits(case.facts(), date(2026, 10, 14)) if one.limit is L.DECISION_TO_ASSESS)
    assert decision.state is LimitState.OVERDUE


def test_the_notices_once_given_are_no_longer_offered() -> None:
    case = requested()
    case.notify_consideration(date(2026, 9, 3), (ConsultedBody.SOCIAL_CARE,), AT)
    assert case.allowed_steps == ("decide", "record-exception", "clear-exception")
    with pytest.raises(StepRefused, match=r"allowed now: decide, record-exception"):
        case.notify_consideration(date(2026, 9, 4), (ConsultedBody.SOCIAL_CARE,), AT)
