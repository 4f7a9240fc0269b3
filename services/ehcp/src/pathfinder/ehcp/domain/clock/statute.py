"""The rule sets Pathfinder knows: the SEND Regulations 2014 with s44 of the Children and Families Act 2014, and
the temporary coronavirus modifications of 2020. ADR 0008 gives the reading of every phrase."""

from __future__ import annotations

from datetime import date

from pathfinder.contracts.vocabulary import AdviceClockStopReason as Stop
from pathfinder.contracts.vocabulary import AssessmentException as Ground
from pathfinder.contracts.vocabulary import PhaseTransfer
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain.clock.facts import TemporaryGround
from pathfinder.ehcp.domain.clock.periods import DateRange
from pathfinder.ehcp.domain.clock.rules import (
    Counting,
    ExceptionRule,
    ExceptionTest,
    LimitRule,
    Occasion,
    Period,
    RuleBook,
    RuleSet,
)

REGS = "https://www.legislation.gov.uk/uksi/2014/1530/regulation/"
SECTION_44 = "https://www.legislation.gov.uk/ukpga/2014/6/section/44"
CORONAVIRUS_SI = "https://www.legislation.gov.uk/uksi/2020/471/contents/made"
CORONAVIRUS_GUIDANCE = (
    "https://www.gov.uk/government/publications/changes-to-the-law-on-education-health-and-care-needs-assessments-"
    "and-plans-due-to-coronavirus/annex-a-details-of-the-amendments-to-the-existing-regulations"
)
DEVON = "https://caselaw.nationalarchives.gov.uk/ewhc/admin/2022/493"
SOON = "as soon as practicable"

_REASSESSMENT = frozenset({L.REASSESSMENT})
_ADVICE = frozenset({L.ADVICE})
_SIXTEEN_AND_TWENTY_WEEKS = frozenset({L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN})
_FEBRUARY_TRANSFERS = frozenset(PhaseTransfer) - {PhaseTransfer.SECONDARY_TO_POST16}


def _weeks(n: int) -> Period:
    return Period(Counting.WITHIN_WEEKS_OF, n)


def _assessment_bases(reg_5: str, regs_10_and_27: tuple[str, ...]) -> tuple[tuple[str, frozenset[L]], ...]:
    """Reg 5(4) has three lettered grounds; regs 10(4) and 27(3) have four, adding (b) an early years provider's
    closure. Reg 13(3) adopts the grounds of reg 10(4)(a) to (d), so a reg 10(4) ground disapplies the 16 weeks and
    the 20; relied on alone, reg 13(3) disapplies the 20 weeks only."""
    return (
        (f"reg 5(4)({reg_5})", frozenset({L.DECISION_TO_ASSESS})),
        *((f"reg 10(4)({letter})", _SIXTEEN_AND_TWENTY_WEEKS) for letter in regs_10_and_27),
        ("reg 13(3)", frozenset({L.FINAL_PLAN})),
        *((f"reg 27(3)({letter})", _REASSESSMENT) for letter in regs_10_and_27),
    )


SEND_REGULATIONS_2014 = RuleSet(
    name="SEND Regulations 2014",
    citation="S.I. 2014/1530; Children and Families Act 2014 s44",
    source="https://www.legislation.gov.uk/uksi/2014/1530/contents/made",
    in_force=DateRange(date(2014, 9, 1)),
    limits=(
        LimitRule(
            L.CONSIDERATION_NOTICES,
            "reg 4(2)",
            "where the local authority is considering securing an EHC needs assessment it must also notify",
            _weeks(6),
            "notify them",
            REGS + "4",
            cap=Period(Counting.ON_THE_DAY),
            cap_basis="reg 4(2) gives no period: the notices are owed while the LA considers, which its decision "
            "ends (reg 5(2) tells the same bodies of it), and reg 5(1) gives the decision 6 weeks",
        ),
        LimitRule(
            L.DECISION_TO_ASSESS,
            "reg 5(1)",
            "as soon as practicable and in any event within 6 weeks of receiving a request",
            _weeks(6),
            SOON,
            REGS + "5",
        ),
        LimitRule(
            L.ADVICE,
            "reg 8(1)",
            "within 6 weeks of the date on which they receive it",
            _weeks(6),
            "comply with the request: reg 8(1) names no other time",
            REGS + "8",
        ),
        LimitRule(
            L.DECISION_NOT_TO_ISSUE,
            "reg 10(1)",
            "as soon as practicable, and in any event within 16 weeks of the local authority receiving a request",
            _weeks(16),
            SOON,
            REGS + "10",
        ),
        LimitRule(
            L.DRAFT_REPRESENTATIONS,
            "reg 13(1)(a)",
            "at least 15 days, beginning with the day on which the draft plan was served",
            Period(Counting.DAYS_BEGINNING_WITH, 15),
            "give the parent the 15 days",
            REGS + "13",
        ),
        LimitRule(
            L.DRAFT_REPRESENTATIONS,
            "reg 22(2)(c)",
            "at least 15 days, beginning with the day on which the draft plan was served, in which to make "
            "representations [on the proposed amendments]",
            Period(Counting.DAYS_BEGINNING_WITH, 15),
            "give the parent the 15 days",
            REGS + "22",
            variants=frozenset({Occasion.AMENDMENT}),
        ),
        LimitRule(
            L.FINAL_PLAN,
            "reg 13(2)",
            "as soon as practicable, and in any event within 20 weeks of the local authority receiving a request",
            _weeks(20),
            SOON,
            REGS + "13",
        ),
        LimitRule(
            L.REVIEW,
            "s44(1)",
            "in the period of 12 months starting with the date on which the plan was first made "
            "(then the date on which it was last reviewed)",
            Period(Counting.MONTHS_STARTING_WITH, 12),
            "review the plan",
            SECTION_44,
        ),
        LimitRule(
            L.REVIEW_MEETING_NOTICE,
            "reg 20(3)",
            "at least two weeks' notice of the date of the meeting (reg 21(3) "
            "where the child attends no school or institution)",
            Period(Counting.CLEAR_WEEKS_BEFORE, 2),
            "give notice",
            REGS + "20",
        ),
        LimitRule(
            L.REVIEW_ADVICE_CIRCULATED,
            "reg 20(4)",
            "must circulate it to those persons at least two weeks in advance of the review meeting (reg 21(4))",
            Period(Counting.CLEAR_WEEKS_BEFORE, 2),
            "circulate it",
            REGS + "20",
        ),
        LimitRule(
            L.REVIEW_REPORT,
            "reg 20(7)",
            "prepare a report ... within two weeks of the review meeting (reg 21(7))",
            _weeks(2),
            "send the report",
            REGS + "20",
        ),
        LimitRule(
            L.REVIEW_DECISION,
            "reg 20(10)",
            "within four weeks of the review meeting, the local authority must "
            "decide whether it proposes to keep, amend or cease the plan",
            _weeks(4),
            "decide",
            REGS + "20",
        ),
        LimitRule(
            L.AMENDED_PLAN,
            "reg 22(3)",
            "as soon as practicable, and in any event within 8 weeks of the local authority sending a copy of the "
            "EHC plan in accordance with paragraph (2)(a) [with the proposed amendments]",
            _weeks(8),
            SOON,
            REGS + "22",
            cap=_weeks(12),
            cap_basis="R (L) v Devon CC [2022] EWHC 493 (Admin): within 12 weeks of the review meeting " + DEVON,
        ),
        LimitRule(
            L.REASSESSMENT,
            "reg 27(2)",
            "as soon as practicable, and in any event within 14 weeks of the notification under regulation 25(1) "
            "or of deciding it is necessary to reassess under section 44(3)",
            _weeks(14),
            SOON,
            REGS + "27",
        ),
        LimitRule(
            L.PHASE_TRANSFER,
            "reg 18(1)(b)",
            "before 15 February in the calendar year of the child's transfer",
            Period(Counting.BEFORE_DAY_OF_YEAR, month_day=(2, 15)),
            "review and amend the plan",
            REGS + "18",
            variants=_FEBRUARY_TRANSFERS,
        ),
        LimitRule(
            L.PHASE_TRANSFER,
            "reg 18(1)(a)",
            "before 31 March in the calendar year of the transfer from secondary school to a post-16 institution",
            Period(Counting.BEFORE_DAY_OF_YEAR, month_day=(3, 31)),
            "review and amend the plan",
            REGS + "18",
            variants=frozenset({PhaseTransfer.SECONDARY_TO_POST16}),
        ),
    ),
    exceptions=(
        ExceptionRule(
            Ground.SETTING_CLOSURE,
            _assessment_bases("a", ("a", "b")),
            ExceptionTest.DURING_THE_PERIOD,
            REGS + "10",
            continuous_days=28,
            advice_asked_of_setting=True,
        ),
        ExceptionRule(
            Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES,
            _assessment_bases("b", ("c",)),
            ExceptionTest.DURING_THE_PERIOD,
            REGS + "10",
        ),
        ExceptionRule(
            Ground.ABSENT_FROM_AREA,
            _assessment_bases("c", ("d",)),
            ExceptionTest.DURING_THE_PERIOD,
            REGS + "10",
            continuous_days=28,
        ),
        ExceptionRule(
            Stop.EXCEPTIONAL_CIRCUMSTANCES,
            (("reg 8(2)(a)", _ADVICE),),
            ExceptionTest.DURING_THE_PERIOD,
            REGS + "8",
            on_advice_request=True,
        ),
        ExceptionRule(
            Stop.ABSENT_FROM_AREA,
            (("reg 8(2)(b)", _ADVICE),),
            ExceptionTest.DURING_THE_PERIOD,
            REGS + "8",
            continuous_days=28,
            on_advice_request=True,
        ),
        ExceptionRule(
            Stop.MISSED_APPOINTMENT,
            (("reg 8(2)(c)", _ADVICE),),
            ExceptionTest.DURING_THE_PERIOD,
            REGS + "8",
            within_advice_period=True,
            on_advice_request=True,
        ),
    ),
)

_CORONAVIRUS_LIMITS = frozenset(
    {
        L.DECISION_TO_ASSESS, L.ADVICE, L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN, L.REVIEW, L.REVIEW_REPORT,
        L.REVIEW_DECISION, L.AMENDED_PLAN, L.REASSESSMENT,
    }
)  # fmt: skip

CORONAVIRUS_2020 = RuleSet(
    name="SEND (Coronavirus) (Amendment) Regulations 2020",
    citation="S.I. 2020/471",
    source=CORONAVIRUS_SI,
    in_force=DateRange(date(2020, 5, 1), date(2020, 9, 25)),
    exceptions=(
        ExceptionRule(
            TemporaryGround.CORONAVIRUS,
            (
                ("S.I. 2020/471", _CORONAVIRUS_LIMITS),
                ("reg 4(3)", frozenset({L.DECISION_TO_ASSESS})),
                ("reg 18A", frozenset({L.REVIEW})),
            ),
            ExceptionTest.ON_THE_LAST_DAY,
            CORONAVIRUS_GUIDANCE,
            duty="as soon as reasonably practicable",
        ),
    ),
)

CURRENT_RULES = RuleBook((SEND_REGULATIONS_2014, CORONAVIRUS_2020))
"""Every rule set Pathfinder knows, each applied to the facts its dates cover."""
