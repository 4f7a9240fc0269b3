"""The alerts an open case owes its LA, as timers: each limit the LA must meet is announced when it falls due
soon and again when it passes unmet; a plan's yearly review is announced when it comes due. The timers follow
from the clock (never kept by hand): recomputed whole after every step, so an exception recorded or cleared
moves them, and a timer already fired for a due date never fires again for it.

A timer fires at the start of its London day (midnight, GMT or BST), stored as a UTC instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.assessment import AssessmentAtRisk, StatutoryLimitDueSoon, StatutoryLimitOverdue
from pathfinder.contracts.plans import ReviewDue
from pathfinder.contracts.vocabulary import StatutoryLimit
from pathfinder.ehcp.domain.clock import CaseFacts, Forecast, Limit, limits

LONDON = ZoneInfo("Europe/London")
DUE_SOON_DAYS = 14
REVIEW_DUE_AHEAD = timedelta(weeks=8)
"""A review needs advice sought and the meeting notified 2 weeks ahead (reg 20(3)-(4)): 8 weeks' warning leaves
the advisors their 6 weeks."""

# Not the LA's to meet: the parent's days to comment on a draft.
_NOT_ALERTED = frozenset({StatutoryLimit.DRAFT_REPRESENTATIONS})

CaseKind = Literal["assessment", "plan"]


class Alert(StrEnum):
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    REVIEW_DUE = "review-due"
    AT_RISK = "at-risk"  # found by the early warning, not scheduled: once per assessment and due date


@dataclass(frozen=True, slots=True)
class DueTimer:
    """One alert owed by one case for one limit and due date; (case, limit, subject, alert, due date) names it."""

    case_id: UUID
    case_kind: CaseKind
    limit: StatutoryLimit
    subject: str
    alert: Alert
    due_on: date
    fires_at: datetime

    @property
    def key(self) -> tuple[UUID, str, str, str, date]:
        return (self.case_id, self.limit.value, self.subject, self.alert.value, self.due_on)


def start_of_london_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def due_timers(case_id: UUID, case_kind: CaseKind, facts: CaseFacts, today: date) -> tuple[DueTimer, ...]:
    """Every alert the case still owes from ``today``: one per unmet limit the LA must meet that is not disapplied
    (a limit owed only if the case ends a certain way is not alerted)."""
    owed: list[DueTimer] = []
    for limit in _alerted(facts, today):
        assert limit.due_on is not None
        owed.extend(_alerts(case_id, case_kind, limit, limit.due_on))
    return tuple(owed)


def next_due(facts: CaseFacts, today: date) -> Limit | None:
    """The case's next unmet limit the LA must meet (what an officer's list sorts by); None when it owes none."""
    return min(_alerted(facts, today), key=lambda limit: limit.effective_due_on, default=None)


def _alerted(facts: CaseFacts, today: date) -> list[Limit]:
    return [
        limit
        for limit in limits(facts, today)
        if limit.open and limit.due_on is not None and not limit.conditional and limit.limit not in _NOT_ALERTED
    ]


def _alerts(case_id: UUID, case_kind: CaseKind, limit: Limit, due: date) -> list[DueTimer]:
    subject = limit.subject or ""

    def timer(alert: Alert, day: date) -> DueTimer:
        return DueTimer(case_id, case_kind, limit.limit, subject, alert, due, start_of_london_day(day))

    ahead = timer(Alert.REVIEW_DUE, due - REVIEW_DUE_AHEAD) if limit.limit is StatutoryLimit.REVIEW else None
    soon = timer(Alert.DUE_SOON, due - timedelta(days=DUE_SOON_DAYS))
    return [ahead or soon, timer(Alert.OVERDUE, due + timedelta(days=1))]


def alert_event(timer: DueTimer, *, person_id: UUID, responsible_la: str) -> ContractEvent:
    """The event a fired timer publishes."""
    keys = {"person_id": person_id, "responsible_la": responsible_la}
    match timer.alert:
        case Alert.REVIEW_DUE:
            return ReviewDue(**keys, plan_id=timer.case_id, review_due_on=timer.due_on)
        case Alert.DUE_SOON:
            return StatutoryLimitDueSoon(**keys, case_id=timer.case_id, limit=timer.limit, due_on=timer.due_on)
        case Alert.OVERDUE:
            return StatutoryLimitOverdue(**keys, case_id=timer.case_id, limit=timer.limit, due_on=timer.due_on)
        case Alert.AT_RISK:
            raise ValueError("an assessment at risk is raised with its forecast: at_risk_event")


def at_risk(assessment_id: UUID, forecast: Forecast, now: datetime) -> DueTimer | None:
    """The alert an assessment the early warning expects to miss its limit owes, once per due date."""
    if not forecast.at_risk:
        return None
    return DueTimer(assessment_id, "assessment", forecast.limit, "", Alert.AT_RISK, forecast.due_on, now)


def at_risk_event(forecast: Forecast, *, assessment_id: UUID, person_id: UUID, responsible_la: str) -> ContractEvent:
    return AssessmentAtRisk(
        person_id=person_id, responsible_la=responsible_la, assessment_id=assessment_id,
        final_plan_due_on=forecast.due_on, expected_on=forecast.expected_on,
        reasons=tuple(dict.fromkeys(note.reason for note in forecast.reasons)),
    )  # fmt: skip


def still_owed(timer: DueTimer, facts: CaseFacts, now: datetime) -> bool:
    """Whether the case, as it stands, still owes the alert (a step taken since may have met the limit)."""
    today = now.astimezone(LONDON).date()
    return any(owed.key == timer.key for owed in due_timers(timer.case_id, timer.case_kind, facts, today))
