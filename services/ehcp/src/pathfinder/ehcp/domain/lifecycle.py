"""What every step of an assessment or a plan shares: a step taken out of turn is refused, saying which steps
the case allows now; each step taken is kept in the case's history; every date a step reports comes from the
statutory clock, never from arithmetic of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pathfinder.contracts.vocabulary import StatutoryLimit
from pathfinder.ehcp.domain.clock import CaseFacts, Limit, LimitState, limits


class StepRefused(Exception):
    """The step does not fit where the case is; ``allowed`` are the steps it allows now."""

    def __init__(self, step: str, stage: str, allowed: tuple[str, ...]) -> None:
        now = ", ".join(allowed) if allowed else "none: the case is closed"
        super().__init__(f"{step} is not allowed while the case is {stage}; allowed now: {now}")
        self.step, self.stage, self.allowed = step, stage, allowed


class InvalidStep(ValueError):
    """The step's own facts do not hold together (a date before the request, say); the message says which."""


@dataclass(frozen=True)
class HistoryEntry:
    """One step as the case keeps it: what, on which statutory day, and when it was recorded."""

    step: str
    on: date
    recorded_at: datetime
    detail: tuple[tuple[str, str], ...] = ()


def not_before(what: str, day: date, earliest: date, earliest_what: str) -> None:
    if day < earliest:
        raise InvalidStep(f"{what} ({day}) cannot be before {earliest_what} ({earliest})")


def limit_of(facts: CaseFacts, limit: StatutoryLimit, on: date, subject: str | None = None) -> Limit:
    """The clock's ``limit`` (of ``subject``) for the case, as it stands on ``on``."""
    found = [one for one in limits(facts, on) if one.limit is limit and (subject is None or one.subject == subject)]
    if not found:
        raise InvalidStep(f"the case owes no {limit.value} limit" + (f" for {subject}" if subject else ""))
    return found[-1]


def met_in_time(limit: Limit) -> bool:
    """Whether a limit the step has just met was met within it, exceptions taken into account: by its last day,
    or while an exception disapplied it (the time limit then did not bind). Advice is the exception: a body's
    reg 8(2) stops move its due date on by the days stopped (the platform's contract for advice requests, which
    health-advice counts too), so advice given after that working target is late, stops and all."""
    if limit.state is LimitState.DISAPPLIED and limit.limit is StatutoryLimit.ADVICE:
        target = limit.working_target_on
        return target is None or (limit.met_on is not None and limit.met_on <= target)
    return limit.state in (LimitState.MET_ON_TIME, LimitState.DISAPPLIED)
