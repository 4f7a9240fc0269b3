"""The dated facts of one case that the statutory clock reads: plain frozen values the aggregates build.

Every day is a calendar date in England. A field given an instant (an aware ``datetime``) holds its London date
instead; an instant without an offset is refused. ``recorded_at`` alone stays an instant: it is audit, not law.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pathfinder.contracts.vocabulary import (
    AdviceClockStopReason,
    AdviceKind,
    AssessmentException,
    PhaseTransfer,
    Requester,
    StatutoryLimit,
)
from pathfinder.ehcp.domain.clock.periods import london_date

Decision = Literal["assess", "not-assess"]
ReviewDecision = Literal["keep", "amend", "cease"]


class TemporaryGround(StrEnum):
    """Grounds a temporary rule set added; the event vocabulary has none, because none is in force today."""

    CORONAVIRUS = "coronavirus"  # S.I. 2020/471: a reason relating to the incidence or transmission of coronavirus


Ground = AssessmentException | AdviceClockStopReason | TemporaryGround


def _to_london_dates(facts: object, keep: frozenset[str] = frozenset()) -> None:
    for field in fields(facts):  # type: ignore[arg-type]
        value = getattr(facts, field.name)
        if isinstance(value, datetime) and field.name not in keep:
            object.__setattr__(facts, field.name, london_date(value))


def _in_order(what: str, earlier: date | None, later: date | None, earlier_what: str) -> None:
    if earlier is not None and later is not None and later < earlier:
        raise ValueError(f"{what} ({later}) cannot be before {earlier_what} ({earlier})")


@dataclass(frozen=True, slots=True)
class RecordedException:
    """An exception as a dated fact: which ground, the provision relied on, the days it covers, exactly which
    limits it disapplies, and who recorded it when. ``struck_out``: recorded in error; kept, never applied."""

    ground: Ground
    legal_basis: str
    starts_on: date
    ends_on: date | None
    disapplies: tuple[StatutoryLimit, ...]
    recorded_by: str
    recorded_at: datetime
    struck_out: bool = False

    def __post_init__(self) -> None:
        _to_london_dates(self, keep=frozenset({"recorded_at"}))
        if self.recorded_at.tzinfo is None:
            raise ValueError("recorded_at is an instant: give its UTC offset")
        if not self.disapplies:
            raise ValueError("say exactly which limits the exception disapplies")
        if not self.recorded_by.strip():
            raise ValueError("say who recorded the exception")
        _in_order("the end of an exception", self.starts_on, self.ends_on, "its start")


@dataclass(frozen=True, slots=True)
class AdviceRequestFacts:
    """Advice sought from one reg 6(1) source; ``requested_on`` is the day the advisor received the request (day 0
    of its 6 weeks, reg 8(1)); ``clock_stops`` are its reg 8(2) exceptions."""

    advice_request_id: UUID
    kind: AdviceKind
    advisor: str | None
    requested_on: date
    received_on: date | None = None
    clock_stops: tuple[RecordedException, ...] = ()

    def __post_init__(self) -> None:
        _to_london_dates(self)
        _in_order("advice", self.requested_on, self.received_on, "the request for it")
        for stop in self.clock_stops:
            if stop.disapplies != (StatutoryLimit.ADVICE,):
                raise ValueError("a clock stop on a request for advice disapplies that advice's 6 weeks only")


@dataclass(frozen=True, slots=True)
class AssessmentFacts:
    """An EHC needs assessment, or (``reassessment``) a re-assessment of a plan (regs 25-27), whose ``decided_on``
    is then the day the LA notified its decision to re-assess (reg 25(1))."""

    request_received_on: date
    requested_by: Requester
    consideration_notified_on: date | None = None
    decision: Decision | None = None
    decided_on: date | None = None
    advice: tuple[AdviceRequestFacts, ...] = ()
    draft_served_on: date | None = None
    representations_received_on: date | None = None
    final_issued_on: date | None = None
    not_to_issue_on: date | None = None
    reassessment: bool = False

    def __post_init__(self) -> None:
        _to_london_dates(self)
        if (self.decision is None) != (self.decided_on is None):
            raise ValueError("a decision comes with the day it was notified, and a day with its decision")
        start = self.request_received_on
        for what, day in (
            ("the consideration notices", self.consideration_notified_on),
            ("the decision", self.decided_on),
            ("the draft plan", self.draft_served_on),
            ("the final plan", self.final_issued_on),
            ("the decision not to issue", self.not_to_issue_on),
        ):
            _in_order(what, start, day, "the request")
        _in_order("the representations", self.draft_served_on, self.representations_received_on, "the draft")
        _in_order("the final plan", self.draft_served_on, self.final_issued_on, "the draft")
        if self.final_issued_on is not None and self.not_to_issue_on is not None:
            raise ValueError("an assessment ends in a plan or in a decision not to issue one, not both")

    @property
    def open(self) -> bool:
        return self.decision != "not-assess" and self.final_issued_on is None and self.not_to_issue_on is None


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """One review of a plan (s44, regs 20-21), from the notice of its meeting to the LA's decision."""

    notified_on: date
    meeting_on: date
    advice_circulated_on: date | None = None
    report_sent_on: date | None = None
    decided_on: date | None = None
    decision: ReviewDecision | None = None

    def __post_init__(self) -> None:
        _to_london_dates(self)
        _in_order("the meeting", self.notified_on, self.meeting_on, "its notice")
        _in_order("the report", self.meeting_on, self.report_sent_on, "the meeting")
        _in_order("the decision", self.meeting_on, self.decided_on, "the meeting")


@dataclass(frozen=True, slots=True)
class AmendmentFacts:
    """Proposed amendments sent to the parent (reg 22(2)); ``concluded_on`` the day the amended plan was issued or
    the parent told the LA will not amend (reg 22(3)-(4)); ``review_meeting_on`` the review they followed;
    ``representations_received_on`` the parent's representations on them (reg 22(2)(c))."""

    proposed_on: date
    concluded_on: date | None = None
    review_meeting_on: date | None = None
    representations_received_on: date | None = None

    def __post_init__(self) -> None:
        _to_london_dates(self)
        _in_order("the amended plan", self.proposed_on, self.concluded_on, "the proposed amendments")
        _in_order("the representations", self.proposed_on, self.representations_received_on, "the amendments")
        _in_order("the proposed amendments", self.review_meeting_on, self.proposed_on, "the review meeting")


@dataclass(frozen=True, slots=True)
class PhaseTransferFacts:
    """A move between phases of education (reg 2(1), reg 18); ``transfer_on`` the first day at the new setting,
    ``amended_on`` the day the plan was reviewed and amended naming it."""

    transfer: PhaseTransfer
    transfer_on: date
    amended_on: date | None = None

    def __post_init__(self) -> None:
        _to_london_dates(self)


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """An EHC plan from the day it was issued (s37): its reviews, amendments and phase transfers."""

    issued_on: date
    reviews: tuple[ReviewFacts, ...] = ()
    amendments: tuple[AmendmentFacts, ...] = ()
    phase_transfers: tuple[PhaseTransferFacts, ...] = ()
    ceased_on: date | None = None

    def __post_init__(self) -> None:
        _to_london_dates(self)
        for review in self.reviews:
            _in_order("a review meeting", self.issued_on, review.meeting_on, "the plan")
        _in_order("the plan's end", self.issued_on, self.ceased_on, "the plan")


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One case: an assessment (or re-assessment), a plan, or both, and the exceptions recorded on it."""

    assessment: AssessmentFacts | None = None
    plan: PlanFacts | None = None
    exceptions: tuple[RecordedException, ...] = ()

    def __post_init__(self) -> None:
        if self.assessment is None and self.plan is None:
            raise ValueError("a case has an assessment, a plan or both")
