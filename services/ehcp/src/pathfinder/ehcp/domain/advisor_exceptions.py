"""A health body's own exceptions to its 6 weeks (reg 8(2)), as the health-advice service reports them: kept on
the assessment's request for advice, so that the assessment's clock judges the advice as the body's clock does.
They are the advisor's, never the LA's (regs 5(4), 10(4) and 13(3) are not reg 8(2))."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from uuid import UUID

from pathfinder.contracts.vocabulary import AdviceClockStopReason, StatutoryLimit
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.lifecycle import HistoryEntry

BASIS = {
    AdviceClockStopReason.EXCEPTIONAL_CIRCUMSTANCES: "reg 8(2)(a)",
    AdviceClockStopReason.ABSENT_FROM_AREA: "reg 8(2)(b)",
    AdviceClockStopReason.MISSED_APPOINTMENT: "reg 8(2)(c)",
}


def advisor_clock_stopped(
    assessment: EhcNeedsAssessment, advice_request_id: UUID, reason: AdviceClockStopReason, stopped_on: date,
    recorded_by: str, at: datetime,
) -> bool:  # fmt: skip
    """The advisor's clock stopped on ``stopped_on``. False (nothing kept) when the assessment did not ask for
    that advice, the advice is in, a stop is already open, or the rules in force give it no basis."""
    asked = assessment.advice.get(advice_request_id)
    if asked is None or asked.received_on is not None or any(one.ends_on is None for one in asked.clock_stops):
        return False
    stop = clock.RecordedException(reason, BASIS[reason], stopped_on, None, (StatutoryLimit.ADVICE,), recorded_by, at)
    if not _keep(assessment, replace(asked, clock_stops=(*asked.clock_stops, stop))):
        return False
    assessment.history.append(HistoryEntry("advice-clock-stopped", stopped_on, at, (("reason", reason.value),)))
    return True


def advisor_clock_restarted(
    assessment: EhcNeedsAssessment, advice_request_id: UUID, restarted_on: date, at: datetime
) -> bool:
    """The advisor's clock runs again from ``restarted_on`` (its last stopped day the one before). A stop too short
    to have been one (4 weeks away from the area, reg 8(2)(b)) is kept as never applied."""
    asked = assessment.advice.get(advice_request_id)
    if asked is None or not any(one.ends_on is None for one in asked.clock_stops):
        return False
    last = restarted_on - timedelta(days=1)
    stops = list(asked.clock_stops)
    index = next(number for number, one in enumerate(stops) if one.ends_on is None)
    stops[index] = replace(stops[index], ends_on=max(last, stops[index].starts_on))
    if not _keep(assessment, replace(asked, clock_stops=tuple(stops))):
        stops[index] = replace(stops[index], struck_out=True)
        assessment.advice[advice_request_id] = replace(asked, clock_stops=tuple(stops))
    assessment.history.append(HistoryEntry("advice-clock-restarted", restarted_on, at))
    return True


def _keep(assessment: EhcNeedsAssessment, asked: clock.AdviceRequestFacts) -> bool:
    """Keep the request for advice with its stops if every stop has a basis in the rules in force."""
    before = assessment.advice[asked.advice_request_id]
    assessment.advice[asked.advice_request_id] = asked
    try:
        facts = assessment.facts()
        for stop in asked.clock_stops:
            if not stop.struck_out:
                clock.check_exception(stop, facts, clock.CURRENT_RULES, advice=asked)
    except (clock.ExceptionRefused, clock.RuleNotInForce, ValueError):
        assessment.advice[asked.advice_request_id] = before
        return False
    return True
