"""Statutory periods counted on calendar dates in England (Europe/London), never on instants.

Each function is one phrase of the Act or the Regulations; ADR 0008 says why each is counted as it is.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
DAY = timedelta(days=1)


def london_date(value: date) -> date:
    """The calendar date in England of a date, or of an instant with its offset (23:30 UTC on a summer evening is
    already the next day in London). An instant without an offset has no date in England and is refused."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"an instant needs its UTC offset to fall on a date in England: {value.isoformat()}")
        return value.astimezone(LONDON).date()
    return value


def within_weeks_of(event: date, weeks: int) -> date:
    """The last day of "within N weeks of" an event: the event's own day is not counted (the general rule when
    a period runs from an event), so the last day is the same weekday N weeks on: 6 weeks = 42 days."""
    return event + timedelta(weeks=weeks)


def days_beginning_with(first: date, days: int) -> date:
    """The last day of "N days, beginning with the day" of an event: that day is day 1."""
    return first + timedelta(days=days - 1)


def clear_weeks_before(event: date, weeks: int) -> date:
    """The last day on which "at least N weeks" of notice before an event can be given: "at least" asks for clear
    days, neither the day it is given nor the day of the event counted, so two weeks before a Monday meeting is
    given by the Sunday fifteen days before it."""
    return event - timedelta(weeks=weeks) - DAY


def months_starting_with(first: date, months: int) -> date:
    """The last day of "the period of N months starting with" a date: that day is in the period, so it ends the
    day before the corresponding date N months on; where the later month is too short to have a corresponding
    date the period ends on that month's last day (29 February 2024 and 1 March 2024 both end 28 February 2025)."""
    return add_months(first - DAY, months)


def add_months(day: date, months: int) -> date:
    """The corresponding date N calendar months on, or the last day of that month when it has no such date."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def before_day_of_year(year: int, month: int, day: int) -> date:
    """The last day that is "before" a named day of a year: "before 15 February" is met on 14 February."""
    return date(year, month, day) - DAY


@dataclass(frozen=True, slots=True)
class DateRange:
    """Calendar days from ``first`` to ``last``, both included; ``last`` None while it has no known end."""

    first: date
    last: date | None = None

    def __post_init__(self) -> None:
        if self.last is not None and self.last < self.first:
            raise ValueError(f"a range cannot end ({self.last}) before it starts ({self.first})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day and (self.last is None or day <= self.last)

    def overlap(self, other: DateRange) -> DateRange | None:
        """The days both ranges hold, or None when they share none."""
        first = max(self.first, other.first)
        ends = [end for end in (self.last, other.last) if end is not None]
        last = min(ends) if ends else None
        return None if last is not None and last < first else DateRange(first, last)

    @property
    def days(self) -> int | None:
        return None if self.last is None else (self.last - self.first).days + 1

    def __str__(self) -> str:
        return f"from {self.first} to {self.last}" if self.last is not None else f"from {self.first} (no end yet)"
