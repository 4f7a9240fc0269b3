"""The statutory clock of an EHC needs assessment and plan: pure rules, no I/O (ADR 0008).

From the dated facts of one case it computes every statutory limit of the SEND Regulations 2014 (regs 4-13, 18,
20-22, 25-27) and of s44 of the Children and Families Act 2014, applies the exceptions recorded on the case, and
gives the state of each limit on a day. Rules are data (``statute``) with the dates they were in force.

The interface the case aggregates call::

    limits(facts: CaseFacts, today: date, rules: RuleBook = CURRENT_RULES, *, due_soon_days: int = 14)
        -> tuple[Limit, ...]
    early_warning(facts: CaseFacts, today: date, history: LaHistory, rules: RuleBook = CURRENT_RULES)
        -> Forecast | None
    check_exception(exception: RecordedException, facts: CaseFacts, rules: RuleBook,
                    advice: AdviceRequestFacts | None = None) -> AcceptedException   # raises ExceptionRefused

The facts (frozen; dates are London dates, and an aware ``datetime`` given for one is converted):

- ``CaseFacts(assessment=AssessmentFacts | None, plan=PlanFacts | None, exceptions=(RecordedException, ...))``
- ``AssessmentFacts(request_received_on, requested_by, consideration_notified_on, decision ("assess" |
  "not-assess"), decided_on, advice=(AdviceRequestFacts, ...), draft_served_on, representations_received_on,
  final_issued_on, not_to_issue_on, reassessment=False)``; for a re-assessment ``decided_on`` is the day the LA
  notified its decision to re-assess (reg 25(1)), from which its 14 weeks run (reg 27(2)).
- ``AdviceRequestFacts(advice_request_id, kind, advisor, requested_on, received_on, clock_stops=(...))``:
  ``requested_on`` is the day the advisor received the request; ``clock_stops`` its reg 8(2) exceptions.
- ``PlanFacts(issued_on, reviews=(ReviewFacts, ...), amendments=(AmendmentFacts, ...),
  phase_transfers=(PhaseTransferFacts, ...), ceased_on)``.
- ``RecordedException(ground, legal_basis, starts_on, ends_on, disapplies, recorded_by, recorded_at,
  struck_out=False)``: ``ground`` an ``AssessmentException`` (regs 5(4), 10(4), 13(3), 27(3)), an
  ``AdviceClockStopReason`` (reg 8(2)) or ``TemporaryGround.CORONAVIRUS`` (S.I. 2020/471); ``disapplies`` the
  ``StatutoryLimit`` values it disapplies. For a setting closure the days are those the setting was closed.

Each ``Limit`` has its ``limit`` (``StatutoryLimit``), ``provision``, ``subject`` (which advice request, review
meeting or amendment), ``starts_on``, ``statutory_due_on``, ``due_on`` (None while disapplied), ``state``
(``LimitState``: on-track, due-soon, overdue, met-on-time, met-late, disapplied, cut-short), ``met_on``,
``disapplied_by`` (each exception with its provision and days), ``working_target_on`` and ``describe(today)``.

    >>> from datetime import date
    >>> from pathfinder.contracts.vocabulary import Requester
    >>> facts = CaseFacts(AssessmentFacts(date(2026, 9, 1), Requester.PARENT, decision="assess",
    ...                                   decided_on=date(2026, 10, 6)))
    >>> [one.describe(date(2026, 12, 2)) for one in limits(facts, date(2026, 12, 2))][-1]
    'final plan (reg 13(2)) due 2027-01-19, in 48 days'
"""

from pathfinder.ehcp.domain.clock.early_warning import Forecast, LaHistory, RiskNote, Stage, Usual, early_warning
from pathfinder.ehcp.domain.clock.exceptions import AcceptedException, Disapplication, check_exception
from pathfinder.ehcp.domain.clock.facts import (
    AdviceRequestFacts,
    AmendmentFacts,
    AssessmentFacts,
    CaseFacts,
    Ground,
    PhaseTransferFacts,
    PlanFacts,
    RecordedException,
    ReviewFacts,
    TemporaryGround,
)
from pathfinder.ehcp.domain.clock.limits import Limit, LimitState, limits
from pathfinder.ehcp.domain.clock.periods import DateRange, london_date
from pathfinder.ehcp.domain.clock.rules import ExceptionRefused, RuleBook, RuleNotInForce, RuleSet
from pathfinder.ehcp.domain.clock.statute import CORONAVIRUS_2020, CURRENT_RULES, SEND_REGULATIONS_2014

__all__ = [
    "CORONAVIRUS_2020",
    "CURRENT_RULES",
    "SEND_REGULATIONS_2014",
    "AcceptedException",
    "AdviceRequestFacts",
    "AmendmentFacts",
    "AssessmentFacts",
    "CaseFacts",
    "DateRange",
    "Disapplication",
    "ExceptionRefused",
    "Forecast",
    "Ground",
    "LaHistory",
    "Limit",
    "LimitState",
    "PhaseTransferFacts",
    "PlanFacts",
    "RecordedException",
    "ReviewFacts",
    "RiskNote",
    "RuleBook",
    "RuleNotInForce",
    "RuleSet",
    "Stage",
    "TemporaryGround",
    "Usual",
    "check_exception",
    "early_warning",
    "limits",
    "london_date",
]
