"""Invariants of the statutory clock over generated cases (hypothesis): exceptions only ever push a date later, a
limit met by its last day is met on time, instants fall on their London day across the clock changes, and a rule
is refused outside the dates it was in force (ADR 0008)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from ehcp_kit.clock_cases import assessment, case, exception, random_case, with_exception
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pathfinder.contracts.vocabulary import AdviceClockStopReason as Stop
from pathfinder.contracts.vocabulary import AssessmentException as Ground
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.domain.clock import (
    CURRENT_RULES,
    SEND_REGULATIONS_2014,
    CaseFacts,
    DateRange,
    ExceptionRefused,
    Limit,
    LimitState,
    RecordedException,
    RuleBook,
    RuleNotInForce,
    TemporaryGround,
    check_exception,
    limits,
    london_date,
)

SETTINGS = settings(max_examples=120, deadline=None, database=None)
SEEDS = st.integers(0, 2**32 - 1)
TODAYS = st.dates(date(2019, 6, 1), date(2035, 12, 31))
HOUR = timedelta(hours=1)

# (ground, basis, the limits it disapplies, the shortest continuous period it needs)
CASE_EXCEPTIONS = (
    (Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 5(4)(b)", (L.DECISION_TO_ASSESS,), 1),
    (Ground.ABSENT_FROM_AREA, "reg 5(4)(c)", (L.DECISION_TO_ASSESS,), 28),
    (Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)", (L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN), 1),
    (Ground.ABSENT_FROM_AREA, "reg 10(4)(d)", (L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN), 28),
    (Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 13(3)", (L.FINAL_PLAN,), 1),
)


def key(limit: Limit) -> tuple[str, str, str | None]:
    return limit.limit.value, limit.provision, limit.subject


@st.composite
def an_exception_for(draw: st.DrawFn, facts: CaseFacts) -> CaseFacts:
    """The case with one more exception that has a basis: on the case, or a reg 8(2) stop on one request."""
    assert facts.assessment is not None
    found = facts.assessment
    requests = found.advice
    on_a_request: bool = draw(st.booleans())
    if requests and on_a_request:
        index = draw(st.integers(0, len(requests) - 1))
        request = requests[index]
        if draw(st.booleans()):
            day = request.requested_on + timedelta(days=draw(st.integers(0, 42)))
            stop = exception(Stop.MISSED_APPOINTMENT, "reg 8(2)(c)", day, day, L.ADVICE)
        else:
            first = request.requested_on + timedelta(days=draw(st.integers(-20, 60)))
            last = None if draw(st.booleans()) else first + timedelta(days=draw(st.integers(0, 60)))
            stop = exception(Stop.EXCEPTIONAL_CIRCUMSTANCES, "reg 8(2)(a)", first, last, L.ADVICE)
        stopped = replace(request, clock_stops=(*request.clock_stops, stop))
        advice = (*requests[:index], stopped, *requests[index + 1 :])
        return CaseFacts(replace(found, advice=advice), facts.plan, facts.exceptions)
    ground, basis, disapplies, shortest = draw(st.sampled_from(CASE_EXCEPTIONS))
    first = found.request_received_on + timedelta(days=draw(st.integers(0, 200)))
    last = None if draw(st.booleans()) else first + timedelta(days=draw(st.integers(shortest - 1, 120)))
    some = draw(st.lists(st.sampled_from(disapplies), min_size=1, unique=True))
    return with_exception(facts, exception(ground, basis, first, last, *some))


@SETTINGS
@given(seed=SEEDS, today=TODAYS, data=st.data())
def test_a_due_date_never_moves_earlier_when_an_exception_is_added(seed: int, today: date, data: st.DataObject) -> None:
    facts = random_case(random.Random(seed), today)
    assume(facts.assessment is not None and not facts.assessment.reassessment)
    more = data.draw(an_exception_for(facts))
    before = {key(one): one for one in limits(facts, today)}
    after = {key(one): one for one in limits(more, today)}
    assert before.keys() == after.keys(), "an exception changes when a limit is due, never which limits are owed"
    for name, was in before.items():
        now = after[name]
        assert now.statutory_due_on == was.statutory_due_on, "the law's own last day does not move"
        assert now.effective_due_on >= was.effective_due_on, f"{name}: {was.describe(today)} -> {now.describe(today)}"


@SETTINGS
@given(seed=SEEDS, today=TODAYS)
def test_a_limit_met_on_or_before_its_due_date_is_met_on_time(seed: int, today: date) -> None:
    for limit in limits(random_case(random.Random(seed), today), today):
        if limit.met_on is None or limit.state is LimitState.CUT_SHORT:
            continue
        if limit.met_on <= limit.statutory_due_on:
            assert limit.state is LimitState.MET_ON_TIME, limit.describe(today)
        else:
            assert limit.state in (LimitState.MET_LATE, LimitState.DISAPPLIED), limit.describe(today)


@SETTINGS
@given(received=st.dates(date(2014, 9, 1), date(2040, 12, 31)), took=st.integers(0, 90))
def test_a_decision_within_six_weeks_of_the_request_is_met_on_time(received: date, took: int) -> None:
    """reg 5(1): the 42nd day after the request is the last; nothing else about the dates matters."""
    decided = received + timedelta(days=took)
    facts = case(assessment(received, decision="assess", decided_on=decided))
    found = next(one for one in limits(facts, decided) if one.limit is L.DECISION_TO_ASSESS)
    assert found.state is (LimitState.MET_ON_TIME if took <= 42 else LimitState.MET_LATE)


def last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def british_summer_time(instant: datetime) -> bool:
    """The law, not a time-zone database: BST runs from 01:00 GMT on the last Sunday of March to 01:00 GMT on the
    last Sunday of October (Summer Time Order 2002)."""
    year = instant.year
    starts = datetime.combine(last_sunday(year, 3), datetime.min.time(), UTC) + HOUR
    ends = datetime.combine(last_sunday(year, 10), datetime.min.time(), UTC) + HOUR
    return starts <= instant < ends


CLOCK_CHANGES = st.builds(
    lambda year, month, minutes: (
        datetime.combine(last_sunday(year, month), datetime.min.time(), UTC) + HOUR + timedelta(minutes=minutes)
    ),
    st.integers(2015, 2040),
    st.sampled_from((3, 10)),
    st.integers(-48 * 60, 48 * 60),
)
OFFSETS = st.sampled_from((UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))))


@SETTINGS
@given(instant=CLOCK_CHANGES, offset=OFFSETS)
def test_an_instant_around_a_clock_change_falls_on_its_london_day(instant: datetime, offset: timezone) -> None:
    london = (instant + (HOUR if british_summer_time(instant) else timedelta(0))).date()
    assert london_date(instant.astimezone(offset)) == london


@SETTINGS
@given(instant=CLOCK_CHANGES)
def test_a_request_received_around_a_clock_change_runs_six_weeks_from_its_london_day(instant: datetime) -> None:
    received = (instant + (HOUR if british_summer_time(instant) else timedelta(0))).date()
    decision = next(one for one in limits(case(assessment(instant)), received) if one.limit is L.DECISION_TO_ASSESS)
    assert decision.statutory_due_on == received + timedelta(days=42)
    assert decision.statutory_due_on.weekday() == received.weekday()


def coronavirus(first: date, last: date) -> RecordedException:
    return exception(TemporaryGround.CORONAVIRUS, "S.I. 2020/471", first, last, L.FINAL_PLAN)


@SETTINGS
@given(first=st.dates(date(2014, 9, 1), date(2035, 12, 31)), days=st.integers(0, 200))
def test_the_2020_coronavirus_rule_is_refused_outside_its_dates(first: date, days: int) -> None:
    last = first + timedelta(days=days)
    recorded = coronavirus(first, last)
    facts = case(assessment(first), None, recorded)
    in_force = DateRange(date(2020, 5, 1), date(2020, 9, 25))
    if DateRange(first, last).overlap(in_force) is None:
        with pytest.raises(ExceptionRefused, match="no rule recognising it was in force then"):
            check_exception(recorded, facts, CURRENT_RULES)
    else:
        accepted = check_exception(recorded, facts, CURRENT_RULES)
        assert accepted.days == DateRange(first, last).overlap(in_force), "it applies only to the days in force"


@SETTINGS
@given(
    starts=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    lasts=st.integers(0, 2000),
    received=st.dates(date(2014, 1, 1), date(2036, 12, 31)),
)
def test_a_limit_whose_rule_was_not_in_force_when_it_started_is_refused(
    starts: date, lasts: int, received: date
) -> None:
    in_force = DateRange(starts, starts + timedelta(days=lasts))
    book = RuleBook((replace(SEND_REGULATIONS_2014, in_force=in_force),))
    facts = case(assessment(received))
    if received in in_force:
        owed = {one.limit for one in limits(facts, received, book)}
        assert owed == {L.CONSIDERATION_NOTICES, L.DECISION_TO_ASSESS, L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN}
    else:
        with pytest.raises(RuleNotInForce, match=f"in force on {received}"):
            limits(facts, received, book)
