"""The state of every statutory limit of a case on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pathfinder.contracts.vocabulary import StatutoryLimit
from pathfinder.ehcp.domain.clock.exceptions import (
    Disapplication,
    accepted_exceptions,
    disapplications,
    working_target,
)
from pathfinder.ehcp.domain.clock.facts import CaseFacts
from pathfinder.ehcp.domain.clock.obligations import Obligation, obligations
from pathfinder.ehcp.domain.clock.periods import london_date
from pathfinder.ehcp.domain.clock.rules import RuleBook
from pathfinder.ehcp.domain.clock.statute import CURRENT_RULES

DUE_SOON_DAYS = 14


class LimitState(StrEnum):
    ON_TRACK = "on-track"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    MET_ON_TIME = "met-on-time"
    MET_LATE = "met-late"
    DISAPPLIED = "disapplied"  # by the exceptions in ``disapplied_by``, over the days each gives
    CUT_SHORT = "cut-short"  # a period owed to the parent (reg 13(1)) ended early by the final plan


@dataclass(frozen=True, slots=True)
class Limit:
    """One statutory limit on one day. ``statutory_due_on`` is the last day the law gives; ``due_on`` the same
    day, or None while the limit is disapplied; ``working_target_on`` then says when to aim for (not law)."""

    limit: StatutoryLimit
    provision: str
    subject: str | None
    starts_on: date
    statutory_due_on: date
    due_on: date | None
    state: LimitState
    met_on: date | None
    disapplied_by: tuple[Disapplication, ...] = ()
    working_target_on: date | None = None
    conditional: bool = False
    source: str = ""

    @property
    def effective_due_on(self) -> date:
        """The day to judge it by: its due date, or while disapplied the working target (``date.max`` while an
        exception has no end yet: suspended)."""
        if self.due_on is not None:
            return self.due_on
        return self.working_target_on or date.max

    @property
    def open(self) -> bool:
        return self.met_on is None and self.state in (LimitState.ON_TRACK, LimitState.DUE_SOON, LimitState.OVERDUE)

    def describe(self, today: date) -> str:
        name = f"{self.limit.value.replace('-', ' ')} ({self.provision})"
        due = self.statutory_due_on
        match self.state:
            case LimitState.ON_TRACK | LimitState.DUE_SOON:
                left = (due - today).days
                return f"{name} due {due}, " + ("today" if left == 0 else f"in {left} day{'s' * (left != 1)}")
            case LimitState.OVERDUE:
                late = (today - due).days
                return f"{name} was due {due}: overdue by {late} day{'s' * (late != 1)}"
            case LimitState.MET_ON_TIME:
                return f"{name} met on {self.met_on}, due {due}"
            case LimitState.MET_LATE:
                assert self.met_on is not None
                late = (self.met_on - due).days
                return f"{name} met on {self.met_on}, {late} day{'s' * (late != 1)} after it was due ({due})"
            case LimitState.CUT_SHORT:
                return f"{name}: the parent's days ran to {due}, but the final plan was issued on {self.met_on}"
        duty = self.disapplied_by[0].duty if self.disapplied_by else None
        text = f"{name} (due {due}) " + "; ".join(str(one) for one in self.disapplied_by)
        text += f"; the duty is: {duty}" if duty else ""
        text += f"; met on {self.met_on}" if self.met_on else ""
        target = self.working_target_on
        return text + (f"; working target {target}" if target else "; suspended while an exception applies")


def limits(
    facts: CaseFacts, today: date, rules: RuleBook = CURRENT_RULES, *, due_soon_days: int = DUE_SOON_DAYS
) -> tuple[Limit, ...]:
    """Every statutory limit the case owes, with its state on ``today`` (a London date; an instant is converted),
    earliest due first. Raises ``RuleNotInForce`` when no rule set of ``rules`` covers a limit's start, and
    ``ExceptionRefused`` when a recorded exception has no basis under the rules in force for its dates."""
    today = london_date(today)
    accepted = accepted_exceptions(facts, rules)
    found = [_state(duty, today, due_soon_days, disapplications(duty, accepted)) for duty in obligations(facts, rules)]
    return tuple(sorted(found, key=lambda one: (one.statutory_due_on, one.limit.value, one.subject or "")))


def _state(duty: Obligation, today: date, due_soon_days: int, disapplied: tuple[Disapplication, ...]) -> Limit:
    due, met = duty.due_on, duty.met_on
    target = None
    if duty.cut_short_on is not None:
        state, met = LimitState.CUT_SHORT, duty.cut_short_on
    elif disapplied:
        state, target = LimitState.DISAPPLIED, working_target(duty, disapplied)
    elif met is not None:
        state = LimitState.MET_ON_TIME if met <= due else LimitState.MET_LATE
    elif duty.limit is StatutoryLimit.DRAFT_REPRESENTATIONS and today > due:
        state, met = LimitState.MET_ON_TIME, due  # the parent had the whole period
    elif today > due:
        state = LimitState.OVERDUE
    else:
        state = LimitState.DUE_SOON if (due - today).days <= due_soon_days else LimitState.ON_TRACK
    return Limit(
        duty.limit, duty.rule.provision, duty.subject, duty.starts_on, due, None if disapplied else due, state, met,
        disapplied, target, duty.conditional, duty.rule.source,
    )  # fmt: skip
