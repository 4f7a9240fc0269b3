"""Recorded exceptions checked against the rules in force for their dates, and applied to the limits they name.

A limit an exception disapplies is not moved: the regulations say the LA (or advisor) "need not comply with the
time limit" when meeting it is impractical because of the exception, so the limit stops binding and the duty that
remains is the regulation's own "as soon as practicable". ADR 0008 says why, and what the working target is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from pathfinder.contracts.vocabulary import AdviceKind
from pathfinder.ehcp.domain.clock.facts import AdviceRequestFacts, CaseFacts, Ground, RecordedException
from pathfinder.ehcp.domain.clock.obligations import Obligation
from pathfinder.ehcp.domain.clock.periods import DateRange, within_weeks_of
from pathfinder.ehcp.domain.clock.rules import ExceptionRefused, ExceptionRule, ExceptionTest, RuleBook

WEEK = timedelta(weeks=1)


@dataclass(frozen=True, slots=True)
class Disapplication:
    """How one exception disapplies one limit: on what ground and provision, the days it had effect (within the
    rule's own dates), the duty that remains, and who recorded it when."""

    ground: Ground
    legal_basis: str
    days: DateRange
    duty: str | None
    recorded_by: str
    recorded_at: datetime
    source: str

    def __str__(self) -> str:
        return f"disapplied by {self.legal_basis} ({self.ground.value.replace('-', ' ')}) {self.days}"


@dataclass(frozen=True, slots=True)
class AcceptedException:
    exception: RecordedException
    rule: ExceptionRule
    days: DateRange
    advice_request_id: UUID | None


def check_exception(
    exception: RecordedException, facts: CaseFacts, rules: RuleBook, advice: AdviceRequestFacts | None = None
) -> AcceptedException:
    """Whether ``exception`` (recorded on the case, or on the request ``advice``) has a basis under the rules in
    force for its dates; raises :class:`ExceptionRefused` saying why not. The aggregate calls this when an
    exception is recorded; :func:`limits` calls it again on every exception it applies."""
    recorded = DateRange(exception.starts_on, exception.ends_on)
    rule, in_force = rules.exception_rule(exception.ground, exception.legal_basis, recorded)
    basis = exception.legal_basis
    may = rule.limits_for(basis) or frozenset()
    wrong = [limit for limit in exception.disapplies if limit not in may]
    if wrong:
        named = ", ".join(limit.value for limit in wrong)
        allowed = "; ".join(
            f"{named_in}: {', '.join(sorted(lim.value for lim in lims))}" for named_in, lims in rule.bases
        )
        raise ExceptionRefused(f"{basis} ({exception.ground.value}) cannot disapply {named} (the grounds: {allowed})")
    if rule.on_advice_request and advice is None:
        raise ExceptionRefused(f"{basis} is the advisor's own exception: record it on the request for advice")
    if rule.continuous_days and recorded.days is not None and recorded.days < rule.continuous_days:
        raise ExceptionRefused(
            f"{basis} needs a continuous period of at least {rule.continuous_days // 7} weeks; "
            f"{recorded} is {recorded.days} days"
        )
    if rule.advice_asked_of_setting:
        _advice_asked_around_closure(exception, facts)
    if rule.within_advice_period:
        _within_advice_period(exception, advice)
    return AcceptedException(exception, rule, in_force, None if advice is None else advice.advice_request_id)


def accepted_exceptions(facts: CaseFacts, rules: RuleBook) -> list[AcceptedException]:
    accepted = [check_exception(one, facts, rules) for one in facts.exceptions if not one.struck_out]
    for advice in facts.assessment.advice if facts.assessment is not None else ():
        accepted.extend(check_exception(one, facts, rules, advice) for one in advice.clock_stops if not one.struck_out)
    return accepted


def disapplications(duty: Obligation, accepted: list[AcceptedException]) -> tuple[Disapplication, ...]:
    """The exceptions that disapply ``duty``: it was not met by its last day, the exception names its limit (and,
    for a clock stop, its request for advice), and the exception's test holds for its days."""
    if duty.met_on is not None and duty.met_on <= duty.due_on:
        return ()
    running = DateRange(min(duty.starts_on, duty.due_on), duty.due_on)
    found = []
    for one in accepted:
        if duty.limit not in one.exception.disapplies:
            continue
        if one.advice_request_id is not None and (
            duty.advice is None or duty.advice.advice_request_id != one.advice_request_id
        ):
            continue
        if one.rule.test is ExceptionTest.ON_THE_LAST_DAY:
            holds = duty.due_on in one.days
        else:
            holds = one.days.overlap(running) is not None
        if holds:
            recorded = one.exception
            found.append(
                Disapplication(
                    recorded.ground,
                    recorded.legal_basis,
                    one.days,
                    one.rule.duty or duty.rule.duty_when_disapplied,
                    recorded.recorded_by,
                    recorded.recorded_at,
                    one.rule.source,
                )
            )
    return tuple(sorted(found, key=lambda d: (d.days.first, d.legal_basis)))


def working_target(duty: Obligation, disapplied: tuple[Disapplication, ...]) -> date | None:
    """Not a statutory date: the last day moved on by the days the exceptions took out of the limit's running,
    so an officer has a date to work to once they end; None while any of them has no end yet."""
    if any(one.days.last is None for one in disapplied):
        return None
    running = DateRange(min(duty.starts_on, duty.due_on), duty.due_on)
    spans = sorted((span.first, span.last) for one in disapplied if (span := one.days.overlap(running)) and span.last)
    lost, reached = 0, None
    for first, last in spans:
        if reached is not None and first <= reached:
            first = reached + timedelta(days=1)
        if first <= last:
            lost += (last - first).days + 1
        reached = last if reached is None else max(reached, last)
    return duty.due_on + timedelta(days=lost)


def _advice_asked_around_closure(exception: RecordedException, facts: CaseFacts) -> None:
    """Regs 5(4)(a), 10(4)(a)-(b), 27(3)(a)-(b): advice asked of the school or setting in a period beginning one
    week before it closed (for 4 weeks or more) and ending one week before it re-opens. The exception's days are
    the setting's closure, first day closed to last day closed: the days the limit lost."""
    reopens = None if exception.ends_on is None else exception.ends_on + timedelta(days=1)
    window = DateRange(exception.starts_on - WEEK, None if reopens is None else reopens - WEEK)
    advice = facts.assessment.advice if facts.assessment is not None else ()
    if not any(one.kind is AdviceKind.EDUCATION and one.requested_on in window for one in advice):
        raise ExceptionRefused(
            f"{exception.legal_basis} needs advice asked of the school or setting {window}, the week before it "
            "closed to the week before it re-opens; the case holds no such request"
        )


def _within_advice_period(exception: RecordedException, advice: AdviceRequestFacts | None) -> None:
    if advice is None:
        raise ExceptionRefused(f"{exception.legal_basis}: record a missed appointment on the request for advice")
    period = DateRange(advice.requested_on, within_weeks_of(advice.requested_on, 6))
    if exception.starts_on not in period:
        raise ExceptionRefused(
            f"{exception.legal_basis}: the appointment ({exception.starts_on}) was not in the advice's 6 weeks {period}"
        )
