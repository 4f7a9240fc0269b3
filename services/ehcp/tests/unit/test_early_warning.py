"""The early warning reads an open assessment against the LA's own history and says, in words an officer acts on,
why its 20 weeks (reg 13(2)) will be missed: which advice is outstanding and how late that advisor usually is,
which stage is running slow, and what is left to do in the days that remain."""

from __future__ import annotations

from datetime import date

from ehcp_kit.clock_cases import advice, assessing, assessment, case, exception
from pathfinder.contracts.vocabulary import AdviceKind, RiskReason
from pathfinder.contracts.vocabulary import AssessmentException as Ground
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain.clock import CaseFacts, LaHistory, Stage, Usual, early_warning

HISTORY = LaHistory(
    stages={
        Stage.DECISION: Usual(20, 35),
        Stage.ADVICE: Usual(60, 80),
        Stage.DRAFTING: Usual(30, 45),
        Stage.FINALISING: Usual(25, 40),
    },
    advisors={"QHL": Usual(38, 60)},
)


def gathering_advice() -> CaseFacts:
    """Decided on 6 October 2026; health advice asked of ICB QHL on 11 October (due 22 November), the school's
    advice in on 10 November. The 20 weeks end on 19 January 2027."""
    requests = (advice(1, date(2026, 10, 11)), advice(2, date(2026, 10, 11), date(2026, 11, 10), AdviceKind.EDUCATION))
    return case(assessing(consideration_notified_on=date(2026, 9, 3), advice=requests))


def test_outstanding_health_advice_is_named_with_its_icb_and_how_late_that_icb_usually_is() -> None:
    forecast = early_warning(gathering_advice(), date(2026, 11, 13), HISTORY)
    assert forecast is not None and forecast.at_risk
    assert (forecast.limit, forecast.due_on, forecast.stage) == (L.FINAL_PLAN, date(2027, 1, 19), Stage.ADVICE)
    assert forecast.reasons[0].reason is RiskReason.ADVICE_OUTSTANDING
    assert forecast.reasons[0].text == (
        "health advice from ICB QHL due in 9 days (2026-11-22); this ICB's median is 38 days late"
    )
    assert forecast.expected_on > forecast.due_on, "the median lateness carries the plan past the 20 weeks"


def test_overdue_advice_says_by_how_many_days() -> None:
    forecast = early_warning(gathering_advice(), date(2026, 11, 30), HISTORY)
    assert forecast is not None and forecast.at_risk
    assert forecast.reasons[0].text == (
        "health advice from ICB QHL overdue by 8 days (2026-11-22); this ICB's median is 38 days late"
    )


def test_a_slow_stage_and_too_little_time_left_are_each_explained() -> None:
    undecided = case(assessment())  # received 1 September 2026, no decision by 10 October (day 39)
    forecast = early_warning(undecided, date(2026, 10, 10), HISTORY)
    assert forecast is not None and forecast.at_risk and forecast.stage is Stage.DECISION
    assert [(note.reason, note.text) for note in forecast.reasons] == [
        (
            RiskReason.STAGE_SLOWER_THAN_USUAL,
            "the decision whether to assess has taken 39 days; this LA's median is 20 days",
        ),
        (
            RiskReason.TOO_LITTLE_TIME_LEFT,
            "101 days remain to the 20-week limit (2027-01-19); what remains (the decision whether to assess, "
            "gathering advice, drafting the plan, finalising the plan) usually takes 115 days here",
        ),
    ]


def test_an_assessment_on_course_is_not_at_risk_and_gives_no_reasons() -> None:
    quick = LaHistory({stage: Usual(10, 15) for stage in Stage}, advisors={"QHL": Usual(-3, 2)})
    forecast = early_warning(gathering_advice(), date(2026, 11, 13), quick)
    assert forecast is not None
    assert (forecast.at_risk, forecast.reasons) == (False, ())
    assert forecast.expected_on <= forecast.due_on


def test_there_is_no_forecast_while_an_open_ended_exception_suspends_the_twenty_weeks() -> None:
    open_ended = exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)", date(2026, 11, 2), None,
                           L.FINAL_PLAN)  # fmt: skip
    suspended = case(assessing(), None, open_ended)
    assert early_warning(suspended, date(2026, 12, 1), HISTORY) is None
    finished = case(assessing(draft_served_on=date(2026, 12, 1), final_issued_on=date(2027, 1, 5)))
    assert early_warning(finished, date(2027, 1, 6), HISTORY) is None, "a closed assessment has nothing to forecast"
