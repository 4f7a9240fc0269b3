"""An EHC needs assessment, from the LA receiving the request to its outcome (Children and Families Act 2014
ss36-39; SEND Regulations 2014 regs 3-13): a state machine whose every step is an event.

    requested --decide(assess)--> assessing --serve draft--> draft-served --issue final plan--> plan-issued
        \\--decide(not assess)--> not-assessing      \\--decide not to issue--> not-issuing

Every due date and every "within the limit" an event reports is the statutory clock's, read from the facts kept
here (``facts()``, :mod:`pathfinder.ehcp.domain.clock`, ADR 0008). Re-assessments (regs 25-27) are not yet
driven through this aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts import assessment as events
from pathfinder.contracts.vocabulary import AdviceKind, AssessmentException, ConsultedBody, Requester, StatutoryStep
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.lifecycle import HistoryEntry, InvalidStep, StepRefused, limit_of, met_in_time, not_before


class AssessmentStage(StrEnum):
    REQUESTED = "requested"
    NOT_ASSESSING = "not-assessing"
    ASSESSING = "assessing"
    NOT_ISSUING = "not-issuing"
    DRAFT_SERVED = "draft-served"
    PLAN_ISSUED = "plan-issued"


_EXCEPTIONS = ("record-exception", "clear-exception")
_STEPS = frozenset(step.value for step in StatutoryStep)
_ALLOWED: dict[AssessmentStage, tuple[str, ...]] = {
    AssessmentStage.REQUESTED: ("notify-consideration", "decide", *_EXCEPTIONS),
    AssessmentStage.ASSESSING: ("request-advice", "receive-advice", "decide-not-to-issue", "serve-draft", *_EXCEPTIONS),
    AssessmentStage.DRAFT_SERVED: ("receive-advice", "receive-representations", "issue-final-plan", *_EXCEPTIONS),
}


@dataclass
class EhcNeedsAssessment:
    assessment_id: UUID
    person_id: UUID
    responsible_la: str
    requested_by: Requester
    request_received_on: date
    la_reference: str | None = None
    stage: AssessmentStage = AssessmentStage.REQUESTED
    consideration_notified_on: date | None = None
    notified: tuple[ConsultedBody, ...] = ()
    decided_on: date | None = None
    advice: dict[UUID, clock.AdviceRequestFacts] = field(default_factory=dict)
    plan_id: UUID | None = None
    draft_served_on: date | None = None
    representations_received_on: date | None = None
    particular_setting_requested: bool | None = None
    outcome_on: date | None = None
    icb_copied: str | None = None
    exceptions: dict[UUID, clock.RecordedException] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[ContractEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def request(
        cls, *, assessment_id: UUID, person_id: UUID, responsible_la: str, requested_by: Requester,
        received_on: date, la_reference: str | None, at: datetime,
    ) -> EhcNeedsAssessment:  # fmt: skip
        """The LA received a request (or the child was brought to its attention): the clock starts that day."""
        if received_on > clock.london_date(at):
            raise InvalidStep(f"the request cannot be received in the future ({received_on})")
        made = cls(assessment_id, person_id, responsible_la, requested_by, received_on, la_reference)
        made._happened("request-received", received_on, at, requested_by=requested_by.value)
        decision, final = made._limit(L.DECISION_TO_ASSESS, received_on), made._limit(L.FINAL_PLAN, received_on)
        made.events.append(
            events.AssessmentRequested(
                **made._keys(), requested_by=requested_by, request_received_on=received_on,
                decision_due_on=decision.statutory_due_on, final_plan_due_on=final.statutory_due_on,
            )
        )  # fmt: skip
        return made

    @property
    def open(self) -> bool:
        return self.stage in _ALLOWED

    @property
    def allowed_steps(self) -> tuple[str, ...]:
        allowed = _ALLOWED.get(self.stage, ())
        notified = self.consideration_notified_on is not None
        return tuple(step for step in allowed if not (notified and step == "notify-consideration"))

    def facts(self) -> clock.CaseFacts:
        """The dated facts the statutory clock reads."""
        decision: Literal["assess", "not-assess"] | None = None
        if self.decided_on is not None:
            decision = "not-assess" if self.stage is AssessmentStage.NOT_ASSESSING else "assess"
        found = clock.AssessmentFacts(
            self.request_received_on, self.requested_by, self.consideration_notified_on, decision, self.decided_on,
            tuple(self.advice.values()), self.draft_served_on, self.representations_received_on,
            self.outcome_on if self.stage is AssessmentStage.PLAN_ISSUED else None,
            self.outcome_on if self.stage is AssessmentStage.NOT_ISSUING else None,
        )  # fmt: skip
        return clock.CaseFacts(found, exceptions=tuple(self.exceptions.values()))

    def notify_consideration(self, notified_on: date, notified: tuple[ConsultedBody, ...], at: datetime) -> None:
        """Reg 4(2): the LA tells the ICB, social care and the school or setting it is considering an assessment."""
        self._expect("notify-consideration")
        if not notified:
            raise InvalidStep("say whom the LA notified")
        not_before("the notice", notified_on, self.request_received_on, "the request")
        self.consideration_notified_on, self.notified = notified_on, notified
        self._happened("consideration-notified", notified_on, at, notified=",".join(body.value for body in notified))
        self.events.append(
            events.AssessmentConsiderationNotified(**self._keys(), notified_on=notified_on, notified=notified)
        )

    def decide(self, decision: Literal["assess", "not-assess"], decided_on: date, at: datetime) -> None:
        """Reg 5(1): the LA decides whether to assess and tells the parent."""
        self._expect("decide")
        not_before("the decision", decided_on, self.request_received_on, "the request")
        self.decided_on = decided_on
        self.stage = AssessmentStage.ASSESSING if decision == "assess" else AssessmentStage.NOT_ASSESSING
        if decision == "not-assess":
            self.outcome_on = decided_on
        self._happened("decided", decided_on, at, decision=decision)
        within = met_in_time(self._limit(L.DECISION_TO_ASSESS, decided_on))
        self.events.append(
            events.AssessmentDecisionMade(
                **self._keys(), decision=decision, decided_on=decided_on, within_statutory_limit=within
            )
        )

    def request_advice(
        self, advice_request_id: UUID, kind: AdviceKind, advisor_organisation: str | None, requested_on: date,
        at: datetime,
    ) -> None:  # fmt: skip
        """Reg 6(1): advice sought from one source, which has 6 weeks from receiving the request (reg 8(1))."""
        self._expect("request-advice")
        assert self.decided_on is not None
        not_before("the request for advice", requested_on, self.decided_on, "the decision to assess")
        if kind is AdviceKind.HEALTH and advisor_organisation is None:
            raise InvalidStep("health advice is sought of an NHS body: give its ODS code")
        if advice_request_id in self.advice:
            raise InvalidStep("the case already holds a request for advice with that id")
        self.advice[advice_request_id] = clock.AdviceRequestFacts(
            advice_request_id, kind, advisor_organisation, requested_on
        )
        self._happened("advice-requested", requested_on, at, kind=kind.value)
        due = self._limit(L.ADVICE, requested_on, str(advice_request_id)).statutory_due_on
        self.events.append(
            events.AdviceRequested(
                **self._keys(), advice_request_id=advice_request_id, advice_kind=kind,
                advisor_organisation=advisor_organisation, requested_on=requested_on, advice_due_on=due,
            )
        )  # fmt: skip

    def receive_advice(self, advice_request_id: UUID, received_on: date, at: datetime) -> bool:
        """The advice asked for arrived; False (and nothing changes) if it had already."""
        self._expect("receive-advice")
        asked = self.advice.get(advice_request_id)
        if asked is None:
            raise InvalidStep("the case holds no request for advice with that id")
        if asked.received_on is not None:
            return False
        not_before("the advice", received_on, asked.requested_on, "the request for it")
        self.advice[advice_request_id] = replace(asked, received_on=received_on)
        self._happened("advice-received", received_on, at, kind=asked.kind.value)
        within = met_in_time(self._limit(L.ADVICE, received_on, str(advice_request_id)))
        self.events.append(
            events.AdviceReceived(
                **self._keys(), advice_request_id=advice_request_id, advice_kind=asked.kind, received_on=received_on,
                within_statutory_limit=within,
            )
        )  # fmt: skip
        return True

    def decide_not_to_issue(self, decided_on: date, at: datetime) -> None:
        """Reg 10(1): after assessing, the LA decides not to secure a plan and tells the parent."""
        self._expect("decide-not-to-issue")
        self._after_decision("the decision not to issue", decided_on)
        self.stage, self.outcome_on = AssessmentStage.NOT_ISSUING, decided_on
        self._happened("decided-not-to-issue", decided_on, at)
        within = met_in_time(self._limit(L.DECISION_NOT_TO_ISSUE, decided_on))
        self.events.append(
            events.DecisionNotToIssuePlan(**self._keys(), decided_on=decided_on, within_statutory_limit=within)
        )

    def serve_draft(self, plan_id: UUID, served_on: date, at: datetime) -> None:
        """Reg 13(1): the draft plan is served on the parent, who has at least 15 days, counting that day."""
        self._expect("serve-draft")
        self._after_decision("the draft plan", served_on)
        self.stage, self.plan_id, self.draft_served_on = AssessmentStage.DRAFT_SERVED, plan_id, served_on
        self._happened("draft-served", served_on, at)
        due = self._limit(L.DRAFT_REPRESENTATIONS, served_on).statutory_due_on
        self.events.append(
            events.DraftPlanIssued(**self._keys(), plan_id=plan_id, issued_on=served_on, representations_due_on=due)
        )

    def receive_representations(self, received_on: date, particular_setting_requested: bool, at: datetime) -> None:
        """Reg 13(1)(a), s38(2)(b): the parent's representations, and whether they ask for a setting to be named."""
        self._expect("receive-representations")
        assert self.draft_served_on is not None and self.plan_id is not None
        not_before("the representations", received_on, self.draft_served_on, "the draft")
        self.representations_received_on = received_on
        self.particular_setting_requested = particular_setting_requested
        self._happened("representations-received", received_on, at, setting=str(particular_setting_requested).lower())
        self.events.append(
            events.DraftPlanRepresentationsReceived(
                **self._keys(), plan_id=self.plan_id, received_on=received_on,
                particular_setting_requested=particular_setting_requested,
            )
        )  # fmt: skip

    def issue_final_plan(self, issued_on: date, icb: str, at: datetime) -> UUID:
        """s39(5), reg 13(2): the final plan, a copy to the ICB; not within the parent's 15 days unless they have
        already made their representations (reg 13(1))."""
        self._expect("issue-final-plan")
        assert self.draft_served_on is not None and self.plan_id is not None
        not_before("the final plan", issued_on, self.draft_served_on, "the draft")
        parent = self._limit(L.DRAFT_REPRESENTATIONS, issued_on)
        if self.representations_received_on is None and issued_on <= parent.statutory_due_on:
            raise InvalidStep(f"the parent has until {parent.statutory_due_on} to comment on the draft (reg 13(1))")
        self.stage, self.outcome_on, self.icb_copied = AssessmentStage.PLAN_ISSUED, issued_on, icb
        self._happened("final-plan-issued", issued_on, at, icb=icb)
        final = self._limit(L.FINAL_PLAN, issued_on)
        self.events.append(
            events.FinalPlanIssued(
                **self._keys(), plan_id=self.plan_id, issued_on=issued_on, within_statutory_limit=met_in_time(final),
                exception_applied=final.state is clock.LimitState.DISAPPLIED,
            )
        )  # fmt: skip
        return self.plan_id

    def record_exception(self, exception_id: UUID, recorded: clock.RecordedException, at: datetime) -> None:
        """Regs 5(4), 10(4), 13(3): a dated exception to the LA's 6, 16 or 20 weeks; refused (ExceptionRefused)
        without a basis in force for its days. An advisor's own exception (reg 8(2)) is not the LA's."""
        self._expect("record-exception")
        steps = [StatutoryStep(limit.value) for limit in recorded.disapplies if limit.value in _STEPS]
        if not isinstance(recorded.ground, AssessmentException) or len(steps) != len(recorded.disapplies):
            raise InvalidStep(
                "an assessment's exception disapplies its 6, 16 or 20 weeks only (regs 5(4), 10(4), 13(3))"
            )
        clock.check_exception(recorded, self.facts(), clock.CURRENT_RULES)
        self.exceptions[exception_id] = recorded
        self._happened("exception-recorded", recorded.starts_on, at, basis=recorded.legal_basis)
        self.events.append(
            events.ExceptionRecorded(
                **self._keys(), exception_id=exception_id, exception=recorded.ground, applies_to=tuple(steps),
                legal_basis=recorded.legal_basis, starts_on=recorded.starts_on, ends_on=recorded.ends_on,
                recorded_at=recorded.recorded_at,
            )
        )  # fmt: skip

    def clear_exception(self, exception_id: UUID, cleared_on: date, recorded_in_error: bool, at: datetime) -> None:
        """The exception stopped applying on ``cleared_on`` (its last day the one before), or never applied."""
        self._expect("clear-exception")
        recorded = self.exceptions.get(exception_id)
        if recorded is None:
            raise InvalidStep("the case holds no exception with that id")
        not_before("clearing the exception", cleared_on, recorded.starts_on, "its start")
        last = cleared_on - timedelta(days=1)
        try:
            cleared = replace(recorded, ends_on=min(last, recorded.ends_on or last), struck_out=recorded_in_error)
            clock.check_exception(cleared, self.facts(), clock.CURRENT_RULES)
        except ValueError:  # cleared on its first day, or too short to have been one (4 weeks): it never applied
            cleared = replace(recorded, struck_out=True)
        self.exceptions[exception_id] = cleared
        self._happened("exception-cleared", cleared_on, at, in_error=str(recorded_in_error).lower())
        self.events.append(
            events.ExceptionCleared(
                **self._keys(), exception_id=exception_id, cleared_on=cleared_on, recorded_in_error=recorded_in_error
            )
        )

    def _limit(self, limit: L, on: date, subject: str | None = None) -> clock.Limit:
        return limit_of(self.facts(), limit, on, subject)

    def _after_decision(self, what: str, day: date) -> None:
        assert self.decided_on is not None
        not_before(what, day, self.decided_on, "the decision to assess")

    def _expect(self, step: str) -> None:
        if step not in self.allowed_steps:
            raise StepRefused(step, self.stage.value, self.allowed_steps)

    def _keys(self) -> dict[str, object]:
        return {"person_id": self.person_id, "responsible_la": self.responsible_la, "assessment_id": self.assessment_id}

    def _happened(self, step: str, on: date, at: datetime, **detail: str) -> None:
        self.history.append(HistoryEntry(step, on, at, tuple(sorted(detail.items()))))
