"""An EHC plan once issued (Children and Families Act 2014 ss44-45; SEND Regulations 2014 regs 18-22, 27, 31):
reviewed within every 12 months, amended, re-assessed, moved through phase transfers, ceased. A state machine
whose every step is an event; every due date and "within the limit" it reports is the statutory clock's (ADR 0008).

    maintained --notify review meeting--> (review: advice circulated, meeting held, report sent, decided)
        --propose amendments--> amendments proposed --issue amended plan--> maintained
        --cease--> ceased
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.plans import (
    AmendmentCause,
    CessationReason,
    PhaseTransferDue,
    PlanAmended,
    PlanAmendmentsProposed,
    PlanCeased,
    ReassessmentRequested,
    ReviewAdviceCirculated,
    ReviewDecided,
    ReviewHeld,
    ReviewMeetingNotified,
    ReviewReportSent,
)
from pathfinder.contracts.vocabulary import PhaseTransfer
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.lifecycle import HistoryEntry, InvalidStep, StepRefused, limit_of, met_in_time, not_before

ReviewDecision = Literal["keep", "amend", "cease"]


@dataclass
class ReviewCycle:
    """One review under s44 and regs 20-21, from the meeting's notice to the LA's decision."""

    notified_on: date
    meeting_on: date
    advice_circulated_on: date | None = None
    held_on: date | None = None
    report_sent_on: date | None = None
    decided_on: date | None = None
    decision: ReviewDecision | None = None

    @property
    def meeting(self) -> str:
        """The meeting's day, which tells its limits apart from another review's (the clock's ``subject``)."""
        return (self.held_on or self.meeting_on).isoformat()


@dataclass
class EhcPlan:
    plan_id: UUID
    person_id: UUID
    responsible_la: str
    assessment_id: UUID
    issued_on: date
    la_reference: str | None = None
    ceased_on: date | None = None
    cessation: CessationReason | None = None
    reviews: list[ReviewCycle] = field(default_factory=list)
    amendments_proposed_on: date | None = None
    amendment_cause: AmendmentCause | None = None
    amendment_follows_meeting: date | None = None
    last_amended_on: date | None = None
    phase_transfer: PhaseTransfer | None = None
    transfer_on: date | None = None
    reassessments: list[UUID] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[ContractEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def issued(
        cls, *, plan_id: UUID, person_id: UUID, responsible_la: str, assessment_id: UUID, issued_on: date, at: datetime,
        la_reference: str | None = None,
    ) -> EhcPlan:  # fmt: skip
        """The final plan of an assessment is issued: the plan is maintained from that day (s37), under the LA's
        reference for the case."""
        plan = cls(plan_id, person_id, responsible_la, assessment_id, issued_on, la_reference)
        plan._happened("plan-issued", issued_on, at)
        return plan

    @property
    def maintained(self) -> bool:
        return self.ceased_on is None

    @property
    def review_in_progress(self) -> ReviewCycle | None:
        current = self.reviews[-1] if self.reviews else None
        return current if current is not None and current.decided_on is None else None

    def facts(self) -> clock.CaseFacts:
        """The dated facts the statutory clock reads."""
        reviews = tuple(
            clock.ReviewFacts(
                one.notified_on, one.held_on or one.meeting_on, one.advice_circulated_on, one.report_sent_on,
                one.decided_on, one.decision,
            )
            for one in self.reviews
        )  # fmt: skip
        amendments: tuple[clock.AmendmentFacts, ...] = ()
        if self.amendments_proposed_on is not None:
            amendments = (clock.AmendmentFacts(self.amendments_proposed_on, None, self.amendment_follows_meeting),)
        moves: tuple[clock.PhaseTransferFacts, ...] = ()
        if self.phase_transfer is not None and self.transfer_on is not None:
            moves = (clock.PhaseTransferFacts(self.phase_transfer, self.transfer_on),)
        return clock.CaseFacts(plan=clock.PlanFacts(self.issued_on, reviews, amendments, moves, self.ceased_on))

    @property
    def allowed_steps(self) -> tuple[str, ...]:
        if not self.maintained:
            return ()
        review = self.review_in_progress
        if review is not None:
            if review.held_on is None:
                return ("circulate-review-advice", "hold-review-meeting")
            return ("send-review-report", "decide-review")
        steps = ["notify-review-meeting", "plan-phase-transfer", "request-reassessment", "cease"]
        steps.insert(1, "issue-amended-plan" if self.amendments_proposed_on else "propose-amendments")
        return tuple(steps)

    def notify_review_meeting(self, notified_on: date, meeting_on: date, at: datetime) -> None:
        self._expect("notify-review-meeting")
        not_before("the notice", notified_on, self.issued_on, "the plan")
        not_before("the meeting", meeting_on, notified_on, "its notice")
        review = ReviewCycle(notified_on, meeting_on)
        self.reviews.append(review)
        self._happened("review-meeting-notified", notified_on, at, meeting_on=meeting_on.isoformat())
        within = met_in_time(self._limit(L.REVIEW_MEETING_NOTICE, notified_on, review.meeting))
        self.events.append(
            ReviewMeetingNotified(
                **self._keys(), notified_on=notified_on, meeting_on=meeting_on, within_statutory_limit=within
            )
        )

    def circulate_review_advice(self, circulated_on: date, at: datetime) -> None:
        self._expect("circulate-review-advice")
        review = self._review()
        not_before("the advice", circulated_on, review.notified_on, "the meeting's notice")
        review.advice_circulated_on = circulated_on
        self._happened("review-advice-circulated", circulated_on, at)
        within = met_in_time(self._limit(L.REVIEW_ADVICE_CIRCULATED, circulated_on, review.meeting))
        self.events.append(
            ReviewAdviceCirculated(**self._keys(), circulated_on=circulated_on, within_statutory_limit=within)
        )

    def hold_review_meeting(self, held_on: date, at: datetime) -> None:
        self._expect("hold-review-meeting")
        review = self._review()
        not_before("the meeting", held_on, review.notified_on, "its notice")
        review.held_on = held_on
        self._happened("review-meeting-held", held_on, at)
        report = self._limit(L.REVIEW_REPORT, held_on, review.meeting).statutory_due_on
        decision = self._limit(L.REVIEW_DECISION, held_on, review.meeting).statutory_due_on
        self.events.append(ReviewHeld(**self._keys(), held_on=held_on, report_due_on=report, decision_due_on=decision))

    def send_review_report(self, sent_on: date, at: datetime) -> None:
        self._expect("send-review-report")
        review = self._review()
        assert review.held_on is not None
        if review.report_sent_on is not None:
            raise StepRefused("send-review-report", "report already sent", ("decide-review",))
        not_before("the report", sent_on, review.held_on, "the meeting")
        review.report_sent_on = sent_on
        self._happened("review-report-sent", sent_on, at)
        within = met_in_time(self._limit(L.REVIEW_REPORT, sent_on, review.meeting))
        self.events.append(ReviewReportSent(**self._keys(), sent_on=sent_on, within_statutory_limit=within))

    def decide_review(self, decided_on: date, decision: ReviewDecision, at: datetime) -> None:
        """Reg 20(10): the LA decides to keep, amend or cease the plan, within 4 weeks of the meeting."""
        self._expect("decide-review")
        review = self._review()
        assert review.held_on is not None
        not_before("the decision", decided_on, review.held_on, "the meeting")
        review.decided_on, review.decision = decided_on, decision
        self._happened("review-decided", decided_on, at, decision=decision)
        within = met_in_time(self._limit(L.REVIEW_DECISION, decided_on, review.meeting))
        self.events.append(
            ReviewDecided(**self._keys(), decided_on=decided_on, decision=decision, within_statutory_limit=within)
        )

    def propose_amendments(self, proposed_on: date, cause: AmendmentCause, at: datetime) -> None:
        """Reg 22: the LA sends the parent the proposed amendments, with at least 15 days for representations; the
        amended plan follows within 8 weeks, and after a review no later than 12 weeks after its meeting (Devon)."""
        self._expect("propose-amendments")
        not_before("the proposed amendments", proposed_on, self.issued_on, "the plan")
        reviewed = [one.held_on for one in self.reviews if one.held_on is not None]
        meeting = reviewed[-1] if reviewed and cause is AmendmentCause.ANNUAL_REVIEW else None
        if meeting is not None:
            not_before("the proposed amendments", proposed_on, meeting, "the review meeting")
        self.amendments_proposed_on, self.amendment_cause = proposed_on, cause
        self.amendment_follows_meeting = meeting
        self._happened("amendments-proposed", proposed_on, at, cause=cause.value)
        due = self._limit(L.AMENDED_PLAN, proposed_on, proposed_on.isoformat()).statutory_due_on
        self.events.append(
            PlanAmendmentsProposed(**self._keys(), proposed_on=proposed_on, amended_plan_due_on=due, cause=cause)
        )

    def issue_amended_plan(self, amended_on: date, at: datetime) -> None:
        self._expect("issue-amended-plan")
        assert self.amendments_proposed_on is not None and self.amendment_cause is not None
        not_before("the amended plan", amended_on, self.amendments_proposed_on, "the proposed amendments")
        cause, self.amendments_proposed_on, self.amendment_cause = self.amendment_cause, None, None
        self.amendment_follows_meeting = None
        self.last_amended_on = amended_on
        self._happened("plan-amended", amended_on, at, cause=cause.value)
        self.events.append(PlanAmended(**self._keys(), amended_on=amended_on, cause=cause))

    def plan_phase_transfer(self, transfer: PhaseTransfer, transfer_on: date, at: datetime) -> date:
        """Reg 18(1): the plan must be reviewed and amended, naming the new setting, before 15 February of the year of
        the move (before 31 March into post-16); returns the last day for it."""
        self._expect("plan-phase-transfer")
        if transfer_on <= clock.london_date(at):
            raise InvalidStep("a phase transfer is planned before the move")
        self.phase_transfer, self.transfer_on = transfer, transfer_on
        deadline = self._limit(L.PHASE_TRANSFER, clock.london_date(at), transfer.value).statutory_due_on
        self._happened("phase-transfer-planned", clock.london_date(at), at, transfer=transfer.value)
        self.events.append(
            PhaseTransferDue(**self._keys(), transfer=transfer, transfer_on=transfer_on, amendment_due_on=deadline)
        )
        return deadline

    def request_reassessment(self, assessment_id: UUID, requested_on: date, at: datetime) -> None:
        """Reg 27: a re-assessment was requested; it runs as a new assessment of this plan."""
        self._expect("request-reassessment")
        not_before("the request", requested_on, self.issued_on, "the plan")
        self.reassessments.append(assessment_id)
        self._happened("reassessment-requested", requested_on, at)
        self.events.append(
            ReassessmentRequested(**self._keys(), assessment_id=assessment_id, requested_on=requested_on)
        )

    def cease(self, ceased_on: date, reason: CessationReason, at: datetime) -> None:
        """s45, reg 31: the LA ceases to maintain the plan."""
        self._expect("cease")
        not_before("ceasing", ceased_on, self.issued_on, "the plan")
        self.ceased_on, self.cessation = ceased_on, reason
        self._happened("ceased", ceased_on, at, reason=reason.value)
        self.events.append(PlanCeased(**self._keys(), ceased_on=ceased_on, reason=reason))

    def _limit(self, limit: L, on: date, subject: str) -> clock.Limit:
        return limit_of(self.facts(), limit, on, subject)

    def _review(self) -> ReviewCycle:
        review = self.review_in_progress
        if review is None:
            raise InvalidStep("no review is in progress")
        return review

    def _expect(self, step: str) -> None:
        if step not in self.allowed_steps:
            stage = "ceased" if not self.maintained else ("under review" if self.review_in_progress else "maintained")
            raise StepRefused(step, stage, self.allowed_steps)

    def _keys(self) -> dict[str, object]:
        return {"person_id": self.person_id, "responsible_la": self.responsible_la, "plan_id": self.plan_id}

    def _happened(self, step: str, on: date, at: datetime, **detail: str) -> None:
        self.history.append(HistoryEntry(step, on, at, tuple(sorted(detail.items()))))
