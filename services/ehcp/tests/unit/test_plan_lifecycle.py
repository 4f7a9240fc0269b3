"""An EHC plan as a state machine: a review runs notice, advice, meeting, report, decision; amendments are proposed
then issued; every date and "within the limit" is the clock's; a step out of turn is refused naming those allowed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pathfinder.contracts import plans as events
from pathfinder.contracts.plans import AmendmentCause, CessationReason
from pathfinder.contracts.vocabulary import PhaseTransfer
from pathfinder.ehcp.domain.lifecycle import InvalidStep, StepRefused
from pathfinder.ehcp.domain.plan import EhcPlan

AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def plan() -> EhcPlan:
    return EhcPlan.issued(
        plan_id=uuid4(), person_id=uuid4(), responsible_la="841", assessment_id=uuid4(), issued_on=date(2026, 3, 10),
        at=AT,
    )  # fmt: skip


def reviewed() -> EhcPlan:
    """Notice on Sunday 10 Jan 2027 of a meeting on Monday 25 Jan, held that day."""
    found = plan()
    found.notify_review_meeting(date(2027, 1, 10), date(2027, 1, 25), AT)
    found.circulate_review_advice(date(2027, 1, 11), AT)
    found.hold_review_meeting(date(2027, 1, 25), AT)
    return found


def test_a_review_reports_the_clocks_dates_at_each_step() -> None:
    found = reviewed()
    notified, circulated, held = found.events
    assert isinstance(notified, events.ReviewMeetingNotified) and notified.within_statutory_limit, "two clear weeks"
    assert isinstance(circulated, events.ReviewAdviceCirculated) and not circulated.within_statutory_limit
    assert isinstance(held, events.ReviewHeld)
    assert (held.report_due_on, held.decision_due_on) == (date(2027, 2, 8), date(2027, 2, 22))
    found.send_review_report(date(2027, 2, 8), AT)
    found.decide_review(date(2027, 2, 23), "amend", AT)
    report, decided = found.events[-2:]
    assert isinstance(report, events.ReviewReportSent) and report.within_statutory_limit
    assert isinstance(decided, events.ReviewDecided) and not decided.within_statutory_limit, "29 days after"


def test_a_report_before_the_meeting_is_refused_naming_the_steps_allowed_now() -> None:
    found = plan()
    found.notify_review_meeting(date(2027, 1, 10), date(2027, 1, 25), AT)
    with pytest.raises(StepRefused) as refused:
        found.send_review_report(date(2027, 1, 26), AT)
    assert str(refused.value) == (
        "send-review-report is not allowed while the case is under review; allowed now: circulate-review-advice, "
        "hold-review-meeting"
    )


def test_an_amended_plan_before_any_proposal_is_refused() -> None:
    with pytest.raises(StepRefused, match=r"issue-amended-plan is not allowed while the case is maintained; allowed "
                                          r"now: notify-review-meeting, propose-amendments, "):  # fmt: skip
        plan().issue_amended_plan(date(2027, 3, 1), AT)


def test_amendments_after_a_review_are_due_no_later_than_twelve_weeks_after_its_meeting() -> None:
    found = reviewed()
    found.send_review_report(date(2027, 2, 8), AT)
    found.decide_review(date(2027, 2, 22), "amend", AT)
    found.propose_amendments(date(2027, 3, 1), AmendmentCause.ANNUAL_REVIEW, AT)
    proposed = found.events[-1]
    assert isinstance(proposed, events.PlanAmendmentsProposed)
    assert proposed.amended_plan_due_on == date(2027, 4, 19), "R (L) v Devon: not 8 weeks on (26 April)"
    assert found.allowed_steps[1] == "issue-amended-plan"
    found.issue_amended_plan(date(2027, 4, 1), AT)
    assert isinstance(found.events[-1], events.PlanAmended) and found.allowed_steps[1] == "propose-amendments"


def test_a_phase_transfer_is_due_before_15_february_of_the_year_of_the_move() -> None:
    found = plan()
    assert found.plan_phase_transfer(PhaseTransfer.PRIMARY_TO_SECONDARY, date(2027, 9, 1), AT) == date(2027, 2, 14)
    due = found.events[-1]
    assert isinstance(due, events.PhaseTransferDue) and due.amendment_due_on == date(2027, 2, 14)
    with pytest.raises(InvalidStep, match="planned before the move"):
        found.plan_phase_transfer(PhaseTransfer.SECONDARY_TO_POST16, date(2026, 11, 30), AT)


def test_a_ceased_plan_allows_nothing() -> None:
    found = plan()
    found.cease(date(2027, 1, 1), CessationReason.NO_LONGER_NECESSARY, AT)
    with pytest.raises(StepRefused, match=r"allowed now: none: the case is closed"):
        found.notify_review_meeting(date(2027, 1, 10), date(2027, 1, 25), AT)
