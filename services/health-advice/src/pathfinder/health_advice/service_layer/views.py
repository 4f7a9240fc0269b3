"""What the dashboard's read model answers with: every figure a DCO or a team lead sees, as values, each counted
as its ``HOW_COUNTED`` line says."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pathfinder.health_advice.domain.advice_request import AdviceStatus
from pathfinder.health_advice.domain.clock import Rag

ShareBy = Literal["team", "la", "month"]
UNROUTED = "unrouted"
"""The team key and kind of a request no rule routed."""

TURNAROUND_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 14), (15, 28), (29, 42), (43, 56), (57, 84), (85, None))
"""Days from receipt to advice, first and last day of each bucket (None: no last)."""

HOW_COUNTED: dict[str, str] = {
    "open_requests": "Requests not yet submitted or cancelled, soonest due first; days left = due date minus today.",
    "due_on": "Due date = the day the health body received the request + 42 days + every day a reg 8(2) clock stop "
    "held (first and last days included, a day two stops cover counted once); while a stop holds, the due "
    "date as if the clock ran again tomorrow.",
    "rag": "Red: past the due date without advice, whatever the backlog. Amber: due within 14 days, or the clock "
    "stopped. Green: more than 14 days left.",
    "overdue": "Open requests past their due date today (red), most overdue first.",
    "turnaround_distribution": "Advice submitted on or after the chosen day, by days from the request's receipt "
    "to the London day the advice was submitted (clock stops not taken off).",
    "share_within_limit": "Advice submitted on or after the chosen day; on time = submitted on or before the due "
    "date with clock stops; share = on time / answered. By team routed to, requesting LA, or London month "
    "of submission.",
    "csv": "One row per request you may see, as the service holds it today.",
}


@dataclass(frozen=True)
class RequestLine:
    """One open request on the DCO's or the team's list."""

    advice_request_id: UUID
    requesting_la: str
    icb: str
    team_id: str | None
    team_name: str | None
    team_kind: str | None
    received_on: date
    due_on: date
    days_left: int
    """Negative: overdue by that many days."""
    rag: Rag
    status: AdviceStatus
    clock_stopped: bool


@dataclass(frozen=True)
class TimelineStep:
    step: str
    """requested, accepted, assigned, clock-stopped, clock-restarted, submitted, cancelled."""
    on: date
    at: datetime
    organisation: str
    detail: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ClockStopLine:
    reason: str
    started_on: date
    ended_on: date | None
    days: int
    """Days it held, through today while it lasts."""


@dataclass(frozen=True)
class RequestTimeline:
    advice_request_id: UUID
    assessment_id: UUID
    requesting_la: str
    icb: str
    team_id: str | None
    team_name: str | None
    team_kind: str | None
    status: AdviceStatus
    received_on: date
    due_on: date
    rag: Rag | None
    """None once submitted or cancelled."""
    assigned_to: str | None
    clock_stops: tuple[ClockStopLine, ...]
    steps: tuple[TimelineStep, ...]
    submitted_on: date | None
    on_time: bool | None
    days_late: int
    turnaround_days: int | None


@dataclass(frozen=True)
class TurnaroundBucket:
    first_day: int
    last_day: int | None
    requests: int

    @property
    def label(self) -> str:
        return f"{self.first_day}-{self.last_day}" if self.last_day is not None else f"{self.first_day}+"


@dataclass(frozen=True)
class ShareRow:
    key: str
    """The team id (or "unrouted"), the LA code, or the month as YYYY-MM."""
    label: str
    answered: int
    on_time: int

    @property
    def share(self) -> float:
        return self.on_time / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class CsvFilters:
    statuses: tuple[AdviceStatus, ...] = ()
    requesting_la: str | None = None
    team_id: str | None = None
    received_from: date | None = None
    received_to: date | None = None


EXPORT_CHUNK = 5_000
"""Rows the export reads, turns into cells and writes out at a time."""

CSV_HEADER: tuple[str, ...] = (
    "advice_request_id", "assessment_id", "requesting_la", "icb", "team_id", "team_name", "team_kind", "status",
    "received_on", "due_on", "days_left", "rag", "clock_stopped", "clock_stop_days", "accepted_on", "submitted_on",
    "on_time", "days_late", "turnaround_days",
)  # fmt: skip


@dataclass(frozen=True)
class ExportRow:
    """One request as the CSV gives it; the fields in ``CSV_HEADER``'s order."""

    advice_request_id: UUID
    assessment_id: UUID
    requesting_la: str
    icb: str
    team_id: str | None
    team_name: str | None
    team_kind: str | None
    status: AdviceStatus
    received_on: date
    due_on: date
    days_left: int | None
    rag: Rag | None
    clock_stopped: bool
    clock_stop_days: int
    accepted_on: date | None
    submitted_on: date | None
    on_time: bool | None
    days_late: int
    turnaround_days: int | None

    def cells(self) -> tuple[str, ...]:
        # Spelt out rather than looped over CSV_HEADER: an ICB's export is 10^5 rows, and this is its hot path.
        return (
            str(self.advice_request_id), str(self.assessment_id), self.requesting_la, self.icb, self.team_id or "",
            self.team_name or "", self.team_kind or "", self.status.value, self.received_on.isoformat(),
            self.due_on.isoformat(), _number(self.days_left), self.rag.value if self.rag is not None else "",
            _yes_no(self.clock_stopped), str(self.clock_stop_days), _day(self.accepted_on), _day(self.submitted_on),
            _yes_no(self.on_time), str(self.days_late), _number(self.turnaround_days),
        )  # fmt: skip


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def spreadsheet_safe(value: str) -> str:
    """A spreadsheet never runs a cell as a formula (a team's name is free text); negative numbers stay numbers."""
    if value[:1] in ("=", "+", "@", "\t", "\r") or (value[:1] == "-" and not value[1:].isdigit()):
        return f"'{value}"
    return value


def csv_line(cells: Sequence[str]) -> str:
    """The cells as one CSV line (RFC 4180, quoted only where needed), without its terminator."""
    return ",".join(_quoted(spreadsheet_safe(cell)) for cell in cells)


def _quoted(value: str) -> str:
    if any(special in value for special in '",\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value
