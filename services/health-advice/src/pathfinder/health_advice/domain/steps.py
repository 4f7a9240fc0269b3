"""What every step of an advice request shares: who took it, how it is kept for the timeline, and how a step
that does not fit is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


class StepRefused(Exception):
    """The step does not fit where the request is; ``allowed`` are the steps it allows now."""

    def __init__(self, step: str, status: str, allowed: tuple[str, ...]) -> None:
        now = ", ".join(allowed) if allowed else "none: the request is closed"
        super().__init__(f"{step} is not allowed while the request is {status}; allowed now: {now}")
        self.step, self.status, self.allowed = step, status, allowed


class InvalidStep(ValueError):
    """The step's own facts do not hold together (a date before the request was received, say)."""


@dataclass(frozen=True)
class Actor:
    """Who took a step: the organisation (ODS code, DfE LA code or the platform) and the account or client."""

    organisation: str
    subject: str


PLATFORM = Actor("pathfinder", "health-advice")
"""The service itself: intake, routing and timers."""


@dataclass(frozen=True)
class HistoryEntry:
    """One step as the request keeps it for its timeline: what, on which London day, when, by whom."""

    step: str
    on: date
    at: datetime
    by: Actor
    detail: tuple[tuple[str, str], ...] = ()
