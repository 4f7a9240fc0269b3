"""The 6-week duty to give advice (SEND Regulations 2014 reg 8(1)) and its exceptions (reg 8(2)), on Europe/London
calendar dates.

The advice is due 42 days after the health body received the request, plus every day a reg 8(2) exception stopped
the clock. A stop counts its first and last days; days covered by two stops count once. While a stop is open the
due date is not known yet: it is at least the due date as if the clock restarted tomorrow, which moves a day later
every day the stop lasts, so a stopped request is never overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pathfinder.contracts.vocabulary import AdviceClockStopReason
from pathfinder.health_advice.domain.steps import InvalidStep

LONDON = ZoneInfo("Europe/London")
ADVICE_DAYS = 42
"""Reg 8(1): 6 weeks."""
DUE_SOON_DAYS = 14
"""Amber, and the due-soon alert, from this many days before the due date."""


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The instant a London day starts: when an alert owed on that day becomes due."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON)


def reg_8_2_reason(reason: AdviceClockStopReason | str) -> AdviceClockStopReason:
    """Only reg 8(2)'s exceptions stop the clock: never a waiting list, never free text."""
    try:
        return AdviceClockStopReason(reason)
    except ValueError:
        allowed = ", ".join(one.value for one in AdviceClockStopReason)
        raise InvalidStep(
            f"{reason!r} is not a reg 8(2) exception (a waiting list never is): one of {allowed}"
        ) from None


@dataclass(frozen=True)
class ClockStop:
    """A reg 8(2) exception as a dated fact: first and last day stopped (None while it lasts), who recorded it."""

    reason: AdviceClockStopReason
    started_on: date
    ended_on: date | None
    recorded_by: str
    recorded_at: datetime
    ended_by: str | None = None
    ended_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.ended_on is None


def stopped_days(stops: Iterable[ClockStop], through: date) -> int:
    """Days on which any stop held, an open stop holding through ``through``; a day two stops cover counts once."""
    days, covered_to = 0, date.min
    for start, end in sorted((stop.started_on, stop.ended_on or through) for stop in stops):
        first = max(start, covered_to + timedelta(days=1)) if covered_to != date.min else start
        if end >= first:
            days += (end - first).days + 1
        covered_to = max(covered_to, end)
    return days


def due_on(received_on: date, stops: Iterable[ClockStop], today: date) -> date:
    """The statutory due date as it stands on ``today``."""
    return received_on + timedelta(days=ADVICE_DAYS + stopped_days(stops, today))


@dataclass(frozen=True)
class DueTerms:
    """The due date in two columns a query can use on any day: ``running_due_on`` is the due date if no stop is
    open; with one open since ``stopped_since``, the due date on day D is ``running_due_on + (D - stopped_since +
    1)`` (every closed stop ends on or before the day it was closed, so none reaches past the open one's days)."""

    running_due_on: date
    stopped_since: date | None

    def on(self, today: date) -> date:
        if self.stopped_since is None:
            return self.running_due_on
        return self.running_due_on + timedelta(days=(today - self.stopped_since).days + 1)


def due_terms(received_on: date, stops: Iterable[ClockStop]) -> DueTerms:
    stops = tuple(stops)
    current = next((stop for stop in stops if stop.open), None)
    if current is None:
        return DueTerms(due_on(received_on, stops, received_on), None)
    # Only the closed stops' days before the open one began: later ones are days it covers too.
    earlier = [_clipped(stop, current.started_on) for stop in stops if not stop.open]
    before = stopped_days([stop for stop in earlier if stop is not None], current.started_on)
    return DueTerms(received_on + timedelta(days=ADVICE_DAYS + before), current.started_on)


def _clipped(stop: ClockStop, before: date) -> ClockStop | None:
    if stop.started_on >= before:
        return None
    last = min(stop.ended_on or before, before - timedelta(days=1))
    return ClockStop(stop.reason, stop.started_on, last, stop.recorded_by, stop.recorded_at)


class Rag(StrEnum):
    GREEN = "green"  # more than 14 days left
    AMBER = "amber"  # due within 14 days, or the clock stopped
    RED = "red"  # overdue: past the due date without advice, whatever the team's backlog


def rag(due: date, today: date, *, clock_stopped: bool) -> Rag:
    if today > due:
        return Rag.RED
    if clock_stopped or (due - today).days <= DUE_SOON_DAYS:
        return Rag.AMBER
    return Rag.GREEN
