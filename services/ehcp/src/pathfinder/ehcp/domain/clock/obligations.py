"""Which limits a case owes, read from its facts: when each starts to run, its statutory last day, and the fact
that meets it. Exceptions and the state on a given day come afterwards (``exceptions``, ``limits``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain.clock.facts import AdviceRequestFacts, AssessmentFacts, CaseFacts, PlanFacts, ReviewFacts
from pathfinder.ehcp.domain.clock.periods import add_months
from pathfinder.ehcp.domain.clock.rules import LimitRule, Occasion, RuleBook, Variant


@dataclass(frozen=True, slots=True)
class Obligation:
    """One limit a case owes. ``subject`` tells apart limits of one kind (an advice request's id, a review
    meeting's day, the day amendments were proposed); ``conditional``: owed only if the case ends that way (a
    decision not to issue); ``cut_short_on``: the day a period owed to the parent was cut short."""

    limit: L
    rule: LimitRule
    starts_on: date
    due_on: date
    met_on: date | None
    subject: str | None = None
    advice: AdviceRequestFacts | None = None
    conditional: bool = False
    cut_short_on: date | None = None


def obligations(facts: CaseFacts, rules: RuleBook) -> list[Obligation]:
    owed: list[Obligation] = []
    if facts.assessment is not None:
        owed.extend(_assessment(facts.assessment, rules))
    if facts.plan is not None:
        owed.extend(_plan(facts.plan, rules))
    return owed


def _owe(
    rules: RuleBook,
    limit: L,
    starts_on: date,
    met_on: date | None,
    counted_from: date | None = None,
    *,
    capped_from: date | None = None,
    variant: Variant | None = None,
    subject: str | None = None,
    advice: AdviceRequestFacts | None = None,
    conditional: bool = False,
) -> Obligation:
    rule = rules.limit_rule(limit, starts_on, variant)
    due = rule.period.last_day(counted_from or starts_on)
    if rule.cap is not None and capped_from is not None:
        due = min(due, rule.cap.last_day(capped_from))
    return Obligation(limit, rule, starts_on, due, met_on, subject, advice, conditional)


def _assessment(facts: AssessmentFacts, rules: RuleBook) -> list[Obligation]:
    received = facts.request_received_on
    owed: list[Obligation] = []
    if facts.reassessment:
        if facts.decision == "assess" and facts.decided_on is not None:
            owed.append(_owe(rules, L.REASSESSMENT, facts.decided_on, facts.final_issued_on))
    else:
        notices = facts.consideration_notified_on
        owed.append(_owe(rules, L.CONSIDERATION_NOTICES, received, notices, capped_from=facts.decided_on))
        owed.append(_owe(rules, L.DECISION_TO_ASSESS, received, facts.decided_on))
        if facts.decision != "not-assess":
            if facts.draft_served_on is None and facts.final_issued_on is None:
                owed.append(_owe(rules, L.DECISION_NOT_TO_ISSUE, received, facts.not_to_issue_on, conditional=True))
            if facts.not_to_issue_on is None:
                owed.append(_owe(rules, L.FINAL_PLAN, received, facts.final_issued_on))
    for advice in facts.advice:
        owed.append(
            _owe(
                rules,
                L.ADVICE,
                advice.requested_on,
                advice.received_on,
                subject=str(advice.advice_request_id),
                advice=advice,
            )
        )
    if facts.draft_served_on is not None:
        owed.append(
            _representations(rules, facts.draft_served_on, facts.representations_received_on, facts.final_issued_on)
        )
    return owed


def _representations(
    rules: RuleBook,
    served: date,
    made: date | None,
    concluded: date | None,
    variant: Variant | None = None,
    subject: str | None = None,
) -> Obligation:
    """The parent's days on a draft (reg 13(1)(a)) or on proposed amendments (reg 22(2)(c)): cut short when the
    plan was finalised on or before their last day without the parent's representations in hand."""
    period = _owe(rules, L.DRAFT_REPRESENTATIONS, served, made, variant=variant, subject=subject)
    cut_short = concluded is not None and concluded <= period.due_on and (made is None or made > concluded)
    return replace(period, cut_short_on=concluded if cut_short else None)


def _plan(plan: PlanFacts, rules: RuleBook) -> list[Obligation]:
    owed = _reviews(plan, rules)
    for review in plan.reviews:
        owed.extend(_review_meeting(review, rules))
    for amendment in plan.amendments:
        proposed, concluded, subject = amendment.proposed_on, amendment.concluded_on, amendment.proposed_on.isoformat()
        owed.append(
            _owe(rules, L.AMENDED_PLAN, proposed, concluded, capped_from=amendment.review_meeting_on, subject=subject)
        )
        made = amendment.representations_received_on
        owed.append(_representations(rules, proposed, made, concluded, Occasion.AMENDMENT, subject))
    for move in plan.phase_transfers:
        within_12_months = add_months(move.transfer_on, -12)
        owed.append(
            _owe(
                rules, L.PHASE_TRANSFER, within_12_months, move.amended_on, move.transfer_on,
                variant=move.transfer, subject=move.transfer.value,
            )
        )  # fmt: skip
    if plan.ceased_on is not None:
        ceased = plan.ceased_on
        owed = [duty for duty in owed if duty.met_on is not None or duty.due_on < ceased]
    return owed


def _reviews(plan: PlanFacts, rules: RuleBook) -> list[Obligation]:
    """s44(1): a review in the 12 months starting with the day the plan was made, then in each 12 months
    starting with the day it was last reviewed (the day the LA notified its decision on the review)."""
    owed, start = [], plan.issued_on
    done = sorted(review.decided_on for review in plan.reviews if review.decided_on is not None)
    for reviewed in done:
        if reviewed < start:
            continue
        owed.append(_owe(rules, L.REVIEW, start, reviewed, subject=start.isoformat()))
        start = reviewed
    owed.append(_owe(rules, L.REVIEW, start, None, subject=start.isoformat()))
    return owed


def _review_meeting(review: ReviewFacts, rules: RuleBook) -> list[Obligation]:
    meeting, subject = review.meeting_on, review.meeting_on.isoformat()
    return [
        _owe(rules, L.REVIEW_MEETING_NOTICE, review.notified_on, review.notified_on, meeting, subject=subject),
        _owe(
            rules,
            L.REVIEW_ADVICE_CIRCULATED,
            review.notified_on,
            review.advice_circulated_on,
            meeting,
            subject=subject,
        ),
        _owe(rules, L.REVIEW_REPORT, meeting, review.report_sent_on, subject=subject),
        _owe(rules, L.REVIEW_DECISION, meeting, review.decided_on, subject=subject),
    ]
