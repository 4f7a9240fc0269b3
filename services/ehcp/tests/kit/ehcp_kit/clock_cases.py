"""Builders of statutory-clock facts for tests, and a seeded generator of whole cases for properties and the
benchmark. Every generated case is valid: its exceptions have a basis under the 2014 rules."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from pathfinder.contracts.vocabulary import (
    AdviceClockStopReason,
    AdviceKind,
    AssessmentException,
    PhaseTransfer,
    Requester,
    StatutoryLimit,
)
from pathfinder.ehcp.domain.clock import (
    AdviceRequestFacts,
    AmendmentFacts,
    AssessmentFacts,
    CaseFacts,
    Ground,
    PhaseTransferFacts,
    PlanFacts,
    RecordedException,
    ReviewFacts,
)

RECEIVED = date(2026, 9, 1)  # a Tuesday
RECORDED_AT = datetime(2026, 9, 2, 9, 30, tzinfo=UTC)
KINDS = (AdviceKind.EDUCATION, AdviceKind.HEALTH, AdviceKind.EDUCATIONAL_PSYCHOLOGY, AdviceKind.SOCIAL_CARE)
ICBS = ("15E", "QHL", "QOP", "RR8")


def day(offset: int, start: date = RECEIVED) -> date:
    return start + timedelta(days=offset)


def exception(
    ground: Ground, basis: str, starts_on: date, ends_on: date | None, *limits: StatutoryLimit, struck_out: bool = False
) -> RecordedException:
    return RecordedException(ground, basis, starts_on, ends_on, limits, "officer-17", RECORDED_AT, struck_out)


def advice(
    number: int,
    requested_on: date,
    received_on: date | None = None,
    kind: AdviceKind = AdviceKind.HEALTH,
    stops: tuple[RecordedException, ...] = (),
) -> AdviceRequestFacts:
    advisor = ICBS[number % len(ICBS)] if kind is AdviceKind.HEALTH else None
    return AdviceRequestFacts(UUID(int=number), kind, advisor, requested_on, received_on, stops)


def assessment(received: date = RECEIVED, **facts: object) -> AssessmentFacts:
    return AssessmentFacts(received, Requester.PARENT, **facts)  # type: ignore[arg-type]


def assessing(received: date = RECEIVED, **facts: object) -> AssessmentFacts:
    """Decided to assess on day 35."""
    return assessment(received, decision="assess", decided_on=received + timedelta(days=35), **facts)


def case(
    assessment: AssessmentFacts | None = None,
    plan: PlanFacts | None = None,
    *exceptions: RecordedException,
) -> CaseFacts:
    return CaseFacts(assessment, plan, exceptions)


def random_case(rng: random.Random, today: date) -> CaseFacts:
    """An assessment somewhere between its request and its outcome, or a plan somewhere in its reviews."""
    if rng.random() < 0.4:
        return CaseFacts(plan=_random_plan(rng, today))
    facts = _random_assessment(rng, today)
    if rng.random() < 0.1:
        starts = facts.request_received_on + timedelta(days=rng.randint(0, 130))
        ends = starts + timedelta(days=rng.randint(7, 60)) if rng.random() < 0.8 else None
        limits = (StatutoryLimit.DECISION_NOT_TO_ISSUE, StatutoryLimit.FINAL_PLAN)
        return CaseFacts(facts, exceptions=(exception(EPC, "reg 10(4)(c)", starts, ends, *limits),))
    return CaseFacts(facts)


def _maybe(rng: random.Random, start: date, low: int, high: int, today: date, chance: float = 0.85) -> date | None:
    found = start + timedelta(days=rng.randint(low, high))
    return found if found <= today and rng.random() < chance else None


def _random_assessment(rng: random.Random, today: date) -> AssessmentFacts:
    received = today - timedelta(days=rng.randint(0, 240))
    notified = _maybe(rng, received, 0, 5, today, 0.95)
    decided = _maybe(rng, received, 20, 50, today)
    if decided is None:
        return assessment(received, consideration_notified_on=notified)
    if rng.random() < 0.2:
        return assessment(received, consideration_notified_on=notified, decision="not-assess", decided_on=decided)
    requests = []
    for number, kind in enumerate(KINDS):
        requested = decided + timedelta(days=rng.randint(0, 7))
        if requested > today:
            continue
        stops: tuple[RecordedException, ...] = ()
        if rng.random() < 0.05:
            stop = requested + timedelta(days=rng.randint(0, 41))
            stops = (
                exception(AdviceClockStopReason.MISSED_APPOINTMENT, "reg 8(2)(c)", stop, stop, StatutoryLimit.ADVICE),
            )
        requests.append(
            advice(number + rng.randint(0, 1000) * 4, requested, _maybe(rng, requested, 20, 80, today), kind, stops)
        )
    received_all = [one.received_on for one in requests]
    draft = None
    if requests and all(received_all):
        draft = _maybe(rng, max(d for d in received_all if d), 5, 40, today)
    final = _maybe(rng, draft, 15, 40, today) if draft else None
    return assessment(
        received,
        consideration_notified_on=notified,
        decision="assess",
        decided_on=decided,
        advice=tuple(requests),
        draft_served_on=draft,
        representations_received_on=_maybe(rng, draft, 3, 14, today) if draft else None,
        final_issued_on=final,
    )


def _random_plan(rng: random.Random, today: date) -> PlanFacts:
    issued = today - timedelta(days=rng.randint(0, 1500))
    reviews: list[ReviewFacts] = []
    start = issued
    while True:
        meeting = start + timedelta(days=rng.randint(250, 400))
        notified = meeting - timedelta(days=rng.randint(10, 30))
        if notified > today:
            break
        decided = _maybe(rng, meeting, 5, 45, today)
        reviews.append(
            ReviewFacts(
                notified,
                meeting,
                _maybe(rng, notified, 0, 10, today),
                _maybe(rng, meeting, 3, 20, today),
                decided,
                "keep" if decided else None,
            )
        )
        if decided is None:
            break
        start = decided
    amendments: tuple[AmendmentFacts, ...] = ()
    if reviews and reviews[-1].decided_on is not None and rng.random() < 0.3:
        proposed = reviews[-1].decided_on
        amendments = (AmendmentFacts(proposed, _maybe(rng, proposed, 20, 80, today), reviews[-1].meeting_on),)
    transfers: tuple[PhaseTransferFacts, ...] = ()
    if rng.random() < 0.15:
        move = rng.choice(tuple(PhaseTransfer))
        transfer_on = date(today.year + rng.randint(0, 1), 9, 1)
        transfers = (PhaseTransferFacts(move, transfer_on, _maybe(rng, date(transfer_on.year, 1, 1), 0, 60, today)),)
    return PlanFacts(issued, tuple(reviews), amendments, transfers)


def with_exception(facts: CaseFacts, extra: RecordedException) -> CaseFacts:
    return CaseFacts(facts.assessment, facts.plan, (*facts.exceptions, extra))


EPC = AssessmentException.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES
