"""The statutory clock against the words of the regulations: one row per deadline or exception, each citing the
provision it was written from (S.I. 2014/1530 regs 4-27, CFA 2014 s44, S.I. 2020/471; ADR 0008 for the counting).

A request received on Tuesday 1 September 2026 runs: 6 weeks to Tuesday 13 October 2026 (regs 4(2), 5(1)), 16 weeks
to Tuesday 22 December 2026 (reg 10(1)), 20 weeks to Tuesday 19 January 2027 (reg 13(2)). "Within N weeks of" leaves
the day of the event out; "N days beginning with" counts it; "12 months starting with" counts it; "before 15
February" ends on the 14th; "at least two weeks" before a meeting means two clear weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from ehcp_kit.clock_cases import advice, assessing, assessment, case, exception
from pathfinder.contracts.vocabulary import AdviceClockStopReason as Stop
from pathfinder.contracts.vocabulary import AdviceKind, PhaseTransfer, Requester
from pathfinder.contracts.vocabulary import AssessmentException as Ground
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain.clock import (
    AmendmentFacts,
    AssessmentFacts,
    CaseFacts,
    ExceptionRefused,
    LimitState,
    PhaseTransferFacts,
    PlanFacts,
    RecordedException,
    ReviewFacts,
    RuleNotInForce,
    TemporaryGround,
    limits,
)

S = LimitState
FIRST_ADVICE, SECOND_ADVICE = str(UUID(int=1)), str(UUID(int=2))


def d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


@dataclass(frozen=True)
class Row:
    facts: CaseFacts
    today: date
    limit: L
    statutory_due: date
    state: LimitState
    subject: str | None = None
    working_target: date | None = None


def plan_reviewed(**review: object) -> CaseFacts:
    """A plan made on 10 March 2026; its review meeting on Monday 25 January 2027, notified on 11 January."""
    facts = {"notified_on": d(2027, 1, 11), "meeting_on": d(2027, 1, 25), **review}
    return CaseFacts(plan=PlanFacts(d(2026, 3, 10), (ReviewFacts(**facts),)))  # type: ignore[arg-type]


def amended(**amendment: object) -> CaseFacts:
    return CaseFacts(plan=PlanFacts(d(2026, 3, 10), amendments=(AmendmentFacts(**amendment),)))  # type: ignore[arg-type]


def transfer(move: PhaseTransfer, on: date, amended_on: date | None = None) -> CaseFacts:
    return CaseFacts(plan=PlanFacts(d(2025, 6, 1), phase_transfers=(PhaseTransferFacts(move, on, amended_on),)))


def reassessment(decided_on: date, *exceptions: RecordedException, final_issued_on: date | None = None) -> CaseFacts:
    """A re-assessment the LA decided on, and notified, on ``decided_on`` (reg 25(1))."""
    found = AssessmentFacts(
        decided_on, Requester.PARENT, decision="assess", decided_on=decided_on, final_issued_on=final_issued_on,
        reassessment=True,
    )  # fmt: skip
    return CaseFacts(found, exceptions=exceptions)


def with_health_advice(**facts: object) -> AssessmentFacts:
    return assessing(advice=(advice(1, d(2026, 10, 8), **facts),))  # type: ignore[arg-type]


EPC_10_4_C = exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)", d(2026, 11, 2), d(2026, 11, 20),
                       L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN)  # fmt: skip
EPC_13_3 = exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 13(3)", d(2026, 11, 2), d(2026, 11, 20),
                     L.FINAL_PLAN)  # fmt: skip
MISSED = exception(Stop.MISSED_APPOINTMENT, "reg 8(2)(c)", d(2026, 10, 20), d(2026, 10, 20), L.ADVICE)
TWO_REQUESTS = assessing(advice=(advice(1, d(2026, 10, 8), stops=(MISSED,)), advice(2, d(2026, 10, 8))))
CORONAVIRUS = TemporaryGround.CORONAVIRUS


def closure_case() -> CaseFacts:
    """A request of 4 May 2027; the school asked for advice on 19 July, a week before it closed for the summer
    (23 July to 1 September 2027, re-opening 2 September); the 20 weeks end on 21 September 2027."""
    school = advice(3, d(2027, 7, 19), kind=AdviceKind.EDUCATION)
    facts = assessment(d(2027, 5, 4), decision="assess", decided_on=d(2027, 6, 8), advice=(school,))
    closed = exception(Ground.SETTING_CLOSURE, "reg 10(4)(a)", d(2027, 7, 23), d(2027, 9, 1), L.FINAL_PLAN)
    return case(facts, None, closed)


DEADLINES = [
    # reg 4(2): no period of its own; owed while the LA considers, so by the decision and within the 6 weeks.
    pytest.param(Row(case(assessment()), d(2026, 9, 11), L.CONSIDERATION_NOTICES, d(2026, 10, 13), S.ON_TRACK),
                 id="reg 4(2): notices owed within the 6 weeks while no decision is made"),
    pytest.param(Row(case(assessment(consideration_notified_on=d(2026, 9, 3))), d(2026, 9, 11),
                     L.CONSIDERATION_NOTICES, d(2026, 10, 13), S.MET_ON_TIME),
                 id="reg 4(2): notices given on day 2 are on time"),
    pytest.param(Row(case(assessment(decision="assess", decided_on=d(2026, 9, 21),
                                     consideration_notified_on=d(2026, 9, 25))),
                     d(2026, 10, 1), L.CONSIDERATION_NOTICES, d(2026, 9, 21), S.MET_LATE),
                 id="reg 4(2) with reg 5(2): notices given after the decision are late"),
    # reg 5(1): "within 6 weeks of receiving a request".
    pytest.param(Row(case(assessment()), d(2026, 9, 1), L.DECISION_TO_ASSESS, d(2026, 10, 13), S.ON_TRACK),
                 id="reg 5(1): 6 weeks of a request received 1 Sept end on 13 Oct"),
    pytest.param(Row(case(assessment()), d(2026, 10, 1), L.DECISION_TO_ASSESS, d(2026, 10, 13), S.DUE_SOON),
                 id="reg 5(1): 12 days before the last day it is due soon"),
    pytest.param(Row(case(assessment(decision="assess", decided_on=d(2026, 10, 13))), d(2026, 10, 20),
                     L.DECISION_TO_ASSESS, d(2026, 10, 13), S.MET_ON_TIME),
                 id="reg 5(1): a decision on the last day is in time"),
    pytest.param(Row(case(assessment(decision="assess", decided_on=d(2026, 10, 14))), d(2026, 10, 20),
                     L.DECISION_TO_ASSESS, d(2026, 10, 13), S.MET_LATE),
                 id="reg 5(1): a decision the day after is late"),
    pytest.param(Row(case(assessment()), d(2026, 10, 14), L.DECISION_TO_ASSESS, d(2026, 10, 13), S.OVERDUE),
                 id="reg 5(1): undecided the day after the 6 weeks is overdue"),
    pytest.param(Row(case(assessment(decision="not-assess", decided_on=d(2026, 9, 21))), d(2026, 10, 1),
                     L.DECISION_TO_ASSESS, d(2026, 10, 13), S.MET_ON_TIME),
                 id="reg 5(1) and reg 4(1): a decision not to assess meets the same 6 weeks"),
    pytest.param(Row(case(assessment(d(2026, 2, 20))), d(2026, 3, 30), L.DECISION_TO_ASSESS, d(2026, 4, 3), S.DUE_SOON),
                 id="reg 5(1): 6 weeks across the March clock change are 42 calendar days"),
    pytest.param(Row(case(assessment(datetime(2026, 8, 31, 23, 30, tzinfo=UTC))), d(2026, 9, 2), L.DECISION_TO_ASSESS,
                     d(2026, 10, 13), S.ON_TRACK),
                 id="reg 5(1): a request at 23:30 UTC on 31 Aug arrived on 1 Sept in London"),
    pytest.param(Row(case(AssessmentFacts(d(2026, 9, 1), Requester.SCHOOL_OR_POST16_INSTITUTION)), d(2026, 9, 1),
                     L.DECISION_TO_ASSESS, d(2026, 10, 13), S.ON_TRACK),
                 id="reg 5(1)(a): a school's request runs the same 6 weeks"),
    # reg 8(1): "within 6 weeks of the date on which they receive it".
    pytest.param(Row(case(with_health_advice()), d(2026, 10, 8), L.ADVICE, d(2026, 11, 19), S.ON_TRACK, FIRST_ADVICE),
                 id="reg 8(1): advice asked on 8 Oct is due 19 Nov"),
    pytest.param(Row(case(with_health_advice(received_on=d(2026, 11, 19))), d(2026, 11, 20), L.ADVICE,
                     d(2026, 11, 19), S.MET_ON_TIME, FIRST_ADVICE),
                 id="reg 8(1): advice given on the last day is in time"),
    pytest.param(Row(case(with_health_advice()), d(2026, 11, 20), L.ADVICE, d(2026, 11, 19), S.OVERDUE, FIRST_ADVICE),
                 id="reg 8(1): advice not given by the last day is overdue"),
    pytest.param(Row(case(assessing(advice=(advice(1, d(2026, 10, 20)),))), d(2026, 11, 10), L.ADVICE, d(2026, 12, 1),
                     S.ON_TRACK, FIRST_ADVICE),
                 id="reg 8(1): 6 weeks across the October clock change are 42 calendar days"),
    # reg 10(1): "within 16 weeks of the local authority receiving a request".
    pytest.param(Row(case(assessing()), d(2026, 12, 1), L.DECISION_NOT_TO_ISSUE, d(2026, 12, 22), S.ON_TRACK),
                 id="reg 10(1): a decision not to issue is owed within 16 weeks"),
    pytest.param(Row(case(assessing(not_to_issue_on=d(2026, 12, 22))), d(2027, 1, 5), L.DECISION_NOT_TO_ISSUE,
                     d(2026, 12, 22), S.MET_ON_TIME),
                 id="reg 10(1): notified on the last day is in time"),
    pytest.param(Row(case(assessing(not_to_issue_on=d(2026, 12, 23))), d(2027, 1, 5), L.DECISION_NOT_TO_ISSUE,
                     d(2026, 12, 22), S.MET_LATE),
                 id="reg 10(1): notified the day after is late"),
    # reg 13(1)(a): "at least 15 days, beginning with the day on which the draft plan was served".
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1))), d(2026, 12, 10), L.DRAFT_REPRESENTATIONS,
                     d(2026, 12, 15), S.DUE_SOON),
                 id="reg 13(1)(a): a draft served 1 Dec gives the parent to 15 Dec"),
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1), final_issued_on=d(2026, 12, 15))), d(2026, 12, 20),
                     L.DRAFT_REPRESENTATIONS, d(2026, 12, 15), S.CUT_SHORT),
                 id="reg 13(1)(a): a final plan on the 15th day, no representations, cuts the period short"),
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1), representations_received_on=d(2026, 12, 10),
                                    final_issued_on=d(2026, 12, 12))),
                     d(2026, 12, 20), L.DRAFT_REPRESENTATIONS, d(2026, 12, 15), S.MET_ON_TIME),
                 id="reg 13(1)(a): representations in hand, the final plan may follow at once"),
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1))), d(2026, 12, 16), L.DRAFT_REPRESENTATIONS,
                     d(2026, 12, 15), S.MET_ON_TIME),
                 id="reg 13(1)(a): the parent has had the whole 15 days"),
    # reg 13(2): "within 20 weeks of the local authority receiving a request".
    pytest.param(Row(case(assessing()), d(2026, 12, 2), L.FINAL_PLAN, d(2027, 1, 19), S.ON_TRACK),
                 id="reg 13(2): 20 weeks of a request received 1 Sept end on 19 Jan"),
    pytest.param(Row(case(assessing()), d(2027, 1, 5), L.FINAL_PLAN, d(2027, 1, 19), S.DUE_SOON),
                 id="reg 13(2): 14 days before the last day it is due soon"),
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1), final_issued_on=d(2027, 1, 19))), d(2027, 2, 1),
                     L.FINAL_PLAN, d(2027, 1, 19), S.MET_ON_TIME),
                 id="reg 13(2): a final plan on the last day is in time"),
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1), final_issued_on=d(2027, 1, 20))), d(2027, 2, 1),
                     L.FINAL_PLAN, d(2027, 1, 19), S.MET_LATE),
                 id="reg 13(2): a final plan the day after is late"),
    pytest.param(Row(case(assessing()), d(2027, 1, 20), L.FINAL_PLAN, d(2027, 1, 19), S.OVERDUE),
                 id="reg 13(2): no final plan the day after is overdue"),
    # s44(1): "in the period of 12 months starting with the date on which the plan was first made", then "starting
    # with the date on which it was last reviewed".
    pytest.param(Row(CaseFacts(plan=PlanFacts(d(2026, 3, 10))), d(2026, 6, 1), L.REVIEW, d(2027, 3, 9), S.ON_TRACK,
                     "2026-03-10"),
                 id="s44(1)(a): a plan made 10 March 2026 is reviewed by 9 March 2027"),
    pytest.param(Row(CaseFacts(plan=PlanFacts(d(2024, 2, 29))), d(2024, 6, 1), L.REVIEW, d(2025, 2, 28), S.ON_TRACK,
                     "2024-02-29"),
                 id="s44(1)(a): a plan made 29 Feb 2024 is reviewed by 28 Feb 2025"),
    pytest.param(Row(CaseFacts(plan=PlanFacts(d(2024, 3, 1))), d(2024, 6, 1), L.REVIEW, d(2025, 2, 28), S.ON_TRACK,
                     "2024-03-01"),
                 id="s44(1)(a): a plan made 1 March 2024 is reviewed by 28 Feb 2025"),
    pytest.param(Row(plan_reviewed(decided_on=d(2027, 2, 20), decision="keep"), d(2027, 3, 1), L.REVIEW,
                     d(2028, 2, 19), S.ON_TRACK, "2027-02-20"),
                 id="s44(1)(b): the next 12 months start with the day it was last reviewed"),
    pytest.param(Row(plan_reviewed(decided_on=d(2027, 2, 20), decision="keep"), d(2027, 3, 1), L.REVIEW,
                     d(2027, 3, 9), S.MET_ON_TIME, "2026-03-10"),
                 id="s44(1)(a): a review decided inside the 12 months is in time"),
    pytest.param(Row(CaseFacts(plan=PlanFacts(d(2026, 3, 10))), d(2027, 3, 10), L.REVIEW, d(2027, 3, 9), S.OVERDUE,
                     "2026-03-10"),
                 id="s44(1)(a): unreviewed on the first anniversary is overdue"),
    # regs 20-21: notice and advice "at least two weeks" before the meeting; report "within two weeks of", decision
    # "within four weeks of" the meeting.
    pytest.param(Row(plan_reviewed(notified_on=d(2027, 1, 10)), d(2027, 1, 12), L.REVIEW_MEETING_NOTICE,
                     d(2027, 1, 10), S.MET_ON_TIME, "2027-01-25"),
                 id="reg 20(3): notice on Sunday 10 Jan leaves two clear weeks before a Monday 25 Jan meeting"),
    pytest.param(Row(plan_reviewed(), d(2027, 1, 12), L.REVIEW_MEETING_NOTICE, d(2027, 1, 10), S.MET_LATE,
                     "2027-01-25"),
                 id="reg 20(3): notice on Monday 11 Jan leaves 13 clear days, short of two weeks"),
    pytest.param(Row(plan_reviewed(), d(2027, 1, 11), L.REVIEW_ADVICE_CIRCULATED, d(2027, 1, 10), S.OVERDUE,
                     "2027-01-25"),
                 id="reg 20(4): advice not circulated two clear weeks before the meeting is overdue"),
    pytest.param(Row(plan_reviewed(report_sent_on=d(2027, 2, 8)), d(2027, 2, 9), L.REVIEW_REPORT, d(2027, 2, 8),
                     S.MET_ON_TIME, "2027-01-25"),
                 id="reg 20(7): a report two weeks after the meeting is in time"),
    pytest.param(Row(plan_reviewed(decided_on=d(2027, 2, 23), decision="amend"), d(2027, 3, 1), L.REVIEW_DECISION,
                     d(2027, 2, 22), S.MET_LATE, "2027-01-25"),
                 id="reg 20(10): a decision 29 days after the meeting is late"),
    # reg 22: 15 days beginning with the day proposals are sent; the amended plan within 8 weeks of sending them.
    pytest.param(Row(amended(proposed_on=d(2027, 2, 22)), d(2027, 3, 1), L.DRAFT_REPRESENTATIONS, d(2027, 3, 8),
                     S.DUE_SOON, "2027-02-22"),
                 id="reg 22(2)(c): proposals sent 22 Feb give the parent to 8 March"),
    pytest.param(Row(amended(proposed_on=d(2027, 2, 22), concluded_on=d(2027, 3, 5)), d(2027, 3, 10),
                     L.DRAFT_REPRESENTATIONS, d(2027, 3, 8), S.CUT_SHORT, "2027-02-22"),
                 id="reg 22(2)(c): an amended plan inside the 15 days, unheard, cuts them short"),
    pytest.param(Row(amended(proposed_on=d(2027, 5, 3)), d(2027, 5, 4), L.AMENDED_PLAN, d(2027, 6, 28), S.ON_TRACK,
                     "2027-05-03"),
                 id="reg 22(3): the amended plan within 8 weeks of the proposals"),
    pytest.param(Row(amended(proposed_on=d(2027, 3, 1), review_meeting_on=d(2027, 1, 25)), d(2027, 3, 2),
                     L.AMENDED_PLAN, d(2027, 4, 19), S.ON_TRACK, "2027-03-01"),
                 id="reg 22(3) with R (L) v Devon [2022] EWHC 493: no later than 12 weeks after the review meeting"),
    # reg 27(2): "within 14 weeks of the notification under regulation 25(1)".
    pytest.param(Row(reassessment(d(2026, 10, 5)), d(2026, 10, 6), L.REASSESSMENT, d(2027, 1, 11), S.ON_TRACK),
                 id="reg 27(2): 14 weeks from notifying the decision to re-assess"),
    pytest.param(Row(reassessment(d(2026, 10, 5), final_issued_on=d(2027, 1, 11)), d(2027, 1, 12), L.REASSESSMENT,
                     d(2027, 1, 11), S.MET_ON_TIME),
                 id="reg 27(2): the plan on the last day is in time"),
    # reg 18(1): "before 15 February" / "before 31 March" in the calendar year of the transfer.
    pytest.param(Row(transfer(PhaseTransfer.PRIMARY_TO_SECONDARY, d(2027, 9, 1)), d(2027, 1, 1), L.PHASE_TRANSFER,
                     d(2027, 2, 14), S.ON_TRACK, "primary-to-secondary"),
                 id="reg 18(1)(b): a move to secondary in Sept 2027 is amended by 14 Feb 2027"),
    pytest.param(Row(transfer(PhaseTransfer.SECONDARY_TO_POST16, d(2027, 9, 1)), d(2027, 1, 1), L.PHASE_TRANSFER,
                     d(2027, 3, 30), S.ON_TRACK, "secondary-to-post16"),
                 id="reg 18(1)(a): a move into post-16 is amended by 30 March"),
    pytest.param(Row(transfer(PhaseTransfer.EARLY_YEARS_TO_SCHOOL, d(2027, 9, 3), d(2027, 2, 15)), d(2027, 3, 1),
                     L.PHASE_TRANSFER, d(2027, 2, 14), S.MET_LATE, "early-years-to-school"),
                 id="reg 18(1)(b): amended on 15 February is not before 15 February"),
    pytest.param(Row(transfer(PhaseTransfer.INFANT_TO_JUNIOR, d(2027, 9, 3), d(2027, 2, 14)), d(2027, 3, 1),
                     L.PHASE_TRANSFER, d(2027, 2, 14), S.MET_ON_TIME, "infant-to-junior"),
                 id="reg 18(1)(b): amended on 14 February is in time"),
]  # fmt: skip

EXCEPTIONS = [
    pytest.param(Row(case(assessing(), None, EPC_10_4_C), d(2026, 12, 1), L.FINAL_PLAN, d(2027, 1, 19), S.DISAPPLIED,
                     working_target=d(2027, 2, 7)),
                 id="reg 10(4)(c) read by reg 13(3): 19 days of exceptional circumstances disapply the 20 weeks"),
    pytest.param(Row(case(assessing(), None, EPC_10_4_C), d(2026, 12, 1), L.DECISION_NOT_TO_ISSUE, d(2026, 12, 22),
                     S.DISAPPLIED, working_target=d(2027, 1, 10)),
                 id="reg 10(4)(c): the same circumstances disapply the 16 weeks"),
    pytest.param(Row(case(assessing(), None, EPC_13_3), d(2026, 12, 1), L.FINAL_PLAN, d(2027, 1, 19), S.DISAPPLIED,
                     working_target=d(2027, 2, 7)),
                 id="reg 13(3): relied on alone, disapplies the 20 weeks"),
    pytest.param(Row(case(assessing(), None, EPC_13_3), d(2026, 12, 1), L.DECISION_NOT_TO_ISSUE, d(2026, 12, 22),
                     S.ON_TRACK),
                 id="reg 13(3): leaves the 16 weeks of reg 10(1) running"),
    pytest.param(Row(case(assessment(), None, exception(Ground.ABSENT_FROM_AREA, "reg 5(4)(c)", d(2026, 9, 14),
                                                        d(2026, 10, 20), L.DECISION_TO_ASSESS)),
                     d(2026, 10, 20), L.DECISION_TO_ASSESS, d(2026, 10, 13), S.DISAPPLIED,
                     working_target=d(2026, 11, 12)),
                 id="reg 5(4)(c): a family away 37 days in the 6 weeks disapplies them"),
    pytest.param(Row(case(assessment(), None, exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 5(4)(b)",
                                                        d(2026, 10, 20), None, L.DECISION_TO_ASSESS)),
                     d(2026, 10, 21), L.DECISION_TO_ASSESS, d(2026, 10, 13), S.OVERDUE),
                 id="reg 5(4)(b): circumstances arising after the 6 weeks excuse nothing"),
    pytest.param(Row(case(TWO_REQUESTS), d(2026, 11, 25), L.ADVICE, d(2026, 11, 19), S.DISAPPLIED, FIRST_ADVICE,
                     working_target=d(2026, 11, 20)),
                 id="reg 8(2)(c): a missed appointment disapplies that advisor's 6 weeks"),
    pytest.param(Row(case(TWO_REQUESTS), d(2026, 11, 25), L.ADVICE, d(2026, 11, 19), S.OVERDUE, SECOND_ADVICE),
                 id="reg 8(2)(c): and leaves every other advisor's 6 weeks running"),
    pytest.param(Row(case(with_health_advice(stops=(exception(Stop.ABSENT_FROM_AREA, "reg 8(2)(b)", d(2026, 10, 10),
                                                              d(2026, 11, 10), L.ADVICE),))),
                     d(2026, 11, 25), L.ADVICE, d(2026, 11, 19), S.DISAPPLIED, FIRST_ADVICE,
                     working_target=d(2026, 12, 21)),
                 id="reg 8(2)(b): the child away 32 days in the advisor's 6 weeks"),
    pytest.param(Row(case(assessing(), None, exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)",
                                                       d(2026, 12, 1), None, L.FINAL_PLAN)),
                     d(2027, 2, 1), L.FINAL_PLAN, d(2027, 1, 19), S.DISAPPLIED),
                 id="reg 10(4)(c): circumstances with no end yet suspend the 20 weeks, no working target"),
    pytest.param(Row(case(assessing(), None, exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)",
                                                       d(2026, 11, 2), d(2026, 11, 20), L.FINAL_PLAN, struck_out=True)),
                     d(2027, 1, 20), L.FINAL_PLAN, d(2027, 1, 19), S.OVERDUE),
                 id="reg 13(2): an exception struck out as recorded in error disapplies nothing"),
    pytest.param(Row(case(assessing(draft_served_on=d(2026, 12, 1), final_issued_on=d(2027, 1, 15)), None, EPC_10_4_C),
                     d(2027, 2, 1), L.FINAL_PLAN, d(2027, 1, 19), S.MET_ON_TIME),
                 id="reg 13(2): a plan issued in time is met on time whatever exception was recorded"),
    pytest.param(Row(closure_case(), d(2027, 9, 1), L.FINAL_PLAN, d(2027, 9, 21), S.DISAPPLIED,
                     working_target=d(2027, 11, 1)),
                 id="reg 10(4)(a): the school asked for advice the week before its summer closure"),
    pytest.param(Row(reassessment(d(2026, 10, 5), exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 27(3)(c)",
                                                             d(2026, 11, 2), d(2026, 11, 20), L.REASSESSMENT)),
                     d(2026, 12, 1), L.REASSESSMENT, d(2027, 1, 11), S.DISAPPLIED, working_target=d(2027, 1, 30)),
                 id="reg 27(3)(c): exceptional circumstances disapply the 14 weeks of a re-assessment"),
    pytest.param(Row(case(assessment(d(2020, 3, 2), decision="assess", decided_on=d(2020, 4, 6)), None,
                          exception(CORONAVIRUS, "S.I. 2020/471", d(2020, 5, 1), d(2020, 9, 25), L.FINAL_PLAN)),
                     d(2020, 8, 1), L.FINAL_PLAN, d(2020, 7, 20), S.DISAPPLIED, working_target=d(2020, 10, 9)),
                 id="S.I. 2020/471 reg 2A: 20 weeks ending 20 July 2020, in the modifications' months"),
    pytest.param(Row(case(assessment(d(2020, 6, 1), decision="assess", decided_on=d(2020, 7, 6)), None,
                          exception(CORONAVIRUS, "S.I. 2020/471", d(2020, 6, 1), d(2020, 9, 25), L.FINAL_PLAN)),
                     d(2020, 10, 20), L.FINAL_PLAN, d(2020, 10, 19), S.OVERDUE),
                 id="S.I. 2020/471: 20 weeks ending 19 Oct 2020, after the modifications lapsed, bind"),
]  # fmt: skip


@pytest.mark.parametrize("row", [*DEADLINES, *EXCEPTIONS])
def test_each_limit_is_counted_as_the_regulation_words_it(row: Row) -> None:
    found = [one for one in limits(row.facts, row.today) if one.limit is row.limit and one.subject == row.subject]
    assert len(found) == 1, f"one {row.limit.value} limit for {row.subject}: {found}"
    limit = found[0]
    assert (limit.statutory_due_on, limit.state) == (row.statutory_due, row.state), limit.describe(row.today)
    if row.state is S.DISAPPLIED:
        assert limit.due_on is None and limit.disapplied_by, "a disapplied limit has no due date, and says why"
        assert limit.working_target_on == row.working_target
    else:
        assert limit.due_on == row.statutory_due


REFUSED = [
    pytest.param(case(assessing(), None, exception(Stop.ABSENT_FROM_AREA, "reg 8(2)(b)", d(2026, 10, 1),
                                                   d(2026, 11, 10), L.FINAL_PLAN)),
                 "cannot disapply final-plan", id="reg 8(2)(b): an advisor's exception never moves the 20 weeks"),
    pytest.param(case(with_health_advice(stops=(exception(Ground.ABSENT_FROM_AREA, "reg 10(4)(d)", d(2026, 10, 10),
                                                          d(2026, 11, 10), L.ADVICE),))),
                 "cannot disapply advice", id="reg 10(4)(d): the LA's exception never moves an advisor's 6 weeks"),
    pytest.param(case(assessing(), None, exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 13(3)",
                                                   d(2026, 11, 2), d(2026, 11, 20), L.DECISION_NOT_TO_ISSUE)),
                 "cannot disapply decision-not-to-issue", id="reg 13(3): disapplies the 20 weeks, not reg 10(1)"),
    pytest.param(case(assessment(), None, exception(Ground.ABSENT_FROM_AREA, "reg 5(4)(c)", d(2026, 9, 14),
                                                    d(2026, 10, 3), L.DECISION_TO_ASSESS)),
                 "continuous period of at least 4 weeks", id="reg 5(4)(c): an absence of 20 days is too short"),
    pytest.param(case(assessing(), None, exception(Ground.SETTING_CLOSURE, "reg 10(4)(a)", d(2027, 7, 23),
                                                   d(2027, 9, 1), L.FINAL_PLAN)),
                 "needs advice asked of the school", id="reg 10(4)(a): a closure excuses only advice asked around it"),
    pytest.param(case(with_health_advice(stops=(exception(Stop.MISSED_APPOINTMENT, "reg 8(2)(c)", d(2026, 11, 25),
                                                          d(2026, 11, 25), L.ADVICE),))),
                 "was not in the advice's 6 weeks", id="reg 8(2)(c): an appointment after the 6 weeks"),
    pytest.param(case(with_health_advice(), None, exception(Stop.EXCEPTIONAL_CIRCUMSTANCES, "reg 8(2)(a)",
                                                            d(2026, 10, 20), d(2026, 10, 30), L.ADVICE)),
                 "record it on the request for advice",
                 id="reg 8(2)(a): the advisor's exception belongs to its request"),
    pytest.param(case(assessing(), None, exception(CORONAVIRUS, "S.I. 2020/471", d(2026, 11, 2), d(2026, 11, 20),
                                                   L.FINAL_PLAN)),
                 "no rule recognising it was in force then", id="S.I. 2020/471: the coronavirus ground in 2026"),
    pytest.param(case(assessing(), None, exception(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(d)",
                                                   d(2026, 11, 2), d(2026, 11, 20), L.FINAL_PLAN)),
                 "is not a basis for", id="reg 10(4)(d) is absence, not exceptional personal circumstances"),
    pytest.param(case(assessment(), None, exception(Ground.ABSENT_FROM_AREA, "reg 5(4)(d)", d(2026, 9, 14),
                                                    d(2026, 10, 20), L.DECISION_TO_ASSESS)),
                 "is not a basis for", id="reg 5(4) has three grounds: there is no reg 5(4)(d)"),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "why"), REFUSED)
def test_an_exception_without_a_basis_for_what_it_disapplies_is_refused(facts: CaseFacts, why: str) -> None:
    with pytest.raises(ExceptionRefused, match=rf"{why}"):
        limits(facts, d(2026, 12, 1))


def test_a_case_before_the_2014_regulations_came_into_force_has_no_rule() -> None:
    refused = r"no rule for the consideration-notices limit was in force on 2014-08-29 .*from 2014-09-01"
    with pytest.raises(RuleNotInForce, match=refused):
        limits(case(assessment(d(2014, 8, 29))), d(2014, 9, 2))


def test_a_waiting_list_is_never_an_exception() -> None:
    with pytest.raises(ValueError, match="waiting-list"):
        Stop("waiting-list")
    with pytest.raises(ValueError, match="waiting-list"):
        Ground("waiting-list")


def test_a_decision_not_to_assess_ends_the_limits_of_an_assessment() -> None:
    not_assessed = case(assessment(decision="not-assess", decided_on=d(2026, 9, 21)))
    owed = {one.limit for one in limits(not_assessed, d(2026, 10, 1))}
    assert owed == {L.CONSIDERATION_NOTICES, L.DECISION_TO_ASSESS}


def test_a_draft_plan_ends_the_sixteen_weeks_for_a_decision_not_to_issue() -> None:
    owed = {one.limit for one in limits(case(assessing(draft_served_on=d(2026, 12, 1))), d(2026, 12, 2))}
    assert L.DECISION_NOT_TO_ISSUE not in owed and L.FINAL_PLAN in owed


def test_a_disapplied_limit_says_by_what_from_when_to_when_and_the_duty_that_remains() -> None:
    final = next(one for one in limits(case(assessing(), None, EPC_13_3), d(2026, 12, 1)) if one.limit is L.FINAL_PLAN)
    assert final.describe(d(2026, 12, 1)) == (
        "final plan (reg 13(2)) (due 2027-01-19) disapplied by reg 13(3) (exceptional personal circumstances) from "
        "2026-11-02 to 2026-11-20; the duty is: as soon as practicable; working target 2027-02-07"
    )
