"""The advice request's own rules: the due date with clock stops (overlapping ones counted once), red/amber/green
at their boundaries, reg 8(2) exceptions only, steps in turn, on time or late, and alerts once per due date."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from health_advice_kit.builders import at
from pathfinder.contracts import health_advice as events
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.domain.advice_request import AdviceRequest, AdviceStatus
from pathfinder.health_advice.domain.clock import ClockStop, Rag, due_on, due_terms, rag, stopped_days
from pathfinder.health_advice.domain.steps import Actor, InvalidStep, StepRefused

RECEIVED = date(2026, 1, 5)
NURSE = Actor("RXP", "clinician-1")
ABSENT = AdviceClockStopReason.ABSENT_FROM_AREA
MISSED = AdviceClockStopReason.MISSED_APPOINTMENT


def stop(first: date, last: date | None) -> ClockStop:
    return ClockStop(ABSENT, first, last, "someone", at(first))


def request(received_on: date = RECEIVED) -> AdviceRequest:
    made = AdviceRequest.open(
        advice_request_id=uuid4(), assessment_id=uuid4(), person_id=uuid4(), requesting_la="841", icb="QHM",
        received_on=received_on, team_id="qhm-paeds", provider_organisation="RXP", at=at(received_on),
    )  # fmt: skip
    return made


def test_the_advice_is_due_42_days_after_receipt() -> None:
    made = request()
    assert made.due_on(RECEIVED) == date(2026, 2, 16)
    (opened,) = made.events
    assert isinstance(opened, events.HealthAdviceRequested)
    assert (opened.advice_due_on, opened.responsible_la, opened.health_body) == (date(2026, 2, 16), "841", "QHM")


def test_a_stop_counts_its_first_and_last_days() -> None:
    assert stopped_days([stop(date(2026, 1, 10), date(2026, 1, 10))], RECEIVED) == 1
    assert due_on(RECEIVED, [stop(date(2026, 1, 10), date(2026, 1, 19))], RECEIVED) == date(2026, 2, 26)


def test_overlapping_stops_count_each_day_once() -> None:
    stops = [stop(date(2026, 1, 10), date(2026, 1, 19)), stop(date(2026, 1, 15), date(2026, 1, 24))]
    assert stopped_days(stops, RECEIVED) == 15  # 10th to 24th
    inside = [stop(date(2026, 1, 10), date(2026, 1, 30)), stop(date(2026, 1, 12), date(2026, 1, 14))]
    assert stopped_days(inside, RECEIVED) == 21
    apart = [stop(date(2026, 1, 20), date(2026, 1, 21)), stop(date(2026, 1, 10), date(2026, 1, 11))]
    assert stopped_days(apart, RECEIVED) == 4


def test_an_open_stop_holds_through_today_and_the_due_terms_agree() -> None:
    stops = [stop(date(2026, 1, 10), date(2026, 1, 19)), stop(date(2026, 1, 15), None)]
    # Every closed stop ended by the day the open one was recorded, so on or before any day asked about.
    for today in (date(2026, 1, 19), date(2026, 1, 25), date(2026, 3, 1)):
        assert due_terms(RECEIVED, stops).on(today) == due_on(RECEIVED, stops, today)
    assert due_terms(RECEIVED, stops).stopped_since == date(2026, 1, 15)


@pytest.mark.parametrize(
    ("days_left", "stopped", "colour"),
    [(15, False, Rag.GREEN), (14, False, Rag.AMBER), (0, False, Rag.AMBER), (-1, False, Rag.RED),
     (40, True, Rag.AMBER)],
)  # fmt: skip
def test_red_amber_green_at_their_boundaries(days_left: int, stopped: bool, colour: Rag) -> None:
    today = date(2026, 2, 1)
    assert rag(today + timedelta(days=days_left), today, clock_stopped=stopped) is colour


def test_past_the_due_date_is_red_whatever_the_backlog() -> None:
    made = request()
    assert made.rag(date(2026, 2, 16)) is Rag.AMBER
    assert made.rag(date(2026, 2, 17)) is Rag.RED


def test_a_waiting_list_never_stops_the_clock() -> None:
    made = request()
    for reason in ("waiting-list", "the team has a long waiting list", "holiday"):
        with pytest.raises(InvalidStep, match="waiting list never is"):
            made.stop_clock(reason, date(2026, 1, 10), NURSE, at(date(2026, 1, 12)))
    assert made.clock_stops == []


def test_steps_out_of_turn_are_refused_naming_the_steps_allowed() -> None:
    made = request()
    with pytest.raises(StepRefused) as refused:
        made.assign("clinician-2", NURSE, at(RECEIVED))
    assert refused.value.allowed == ("accept", "record-clock-stop", "submit", "cancel")
    with pytest.raises(StepRefused):
        made.restart_clock(RECEIVED, NURSE, at(RECEIVED))
    made.submit(AdviceForm.DOCUMENT, at(date(2026, 1, 20)), NURSE, at(date(2026, 1, 20)))
    with pytest.raises(StepRefused) as closed:
        made.accept(NURSE, at(date(2026, 1, 21)))
    assert closed.value.allowed == ()


def test_stops_need_dates_that_hold_together() -> None:
    made = request()
    with pytest.raises(InvalidStep, match="before the request was received"):
        made.stop_clock(MISSED, date(2026, 1, 4), NURSE, at(RECEIVED))
    with pytest.raises(InvalidStep, match="future"):
        made.stop_clock(MISSED, date(2026, 1, 9), NURSE, at(date(2026, 1, 8)))
    with pytest.raises(InvalidStep, match="already overdue"):
        made.stop_clock(MISSED, date(2026, 2, 17), NURSE, at(date(2026, 2, 20)))
    made.stop_clock(MISSED, date(2026, 1, 9), NURSE, at(date(2026, 1, 9)))
    with pytest.raises(InvalidStep, match="before it started"):
        made.restart_clock(date(2026, 1, 8), NURSE, at(date(2026, 1, 10)))


def test_a_stop_moves_the_due_date_and_says_so_when_it_ends() -> None:
    made = request()
    made.accept(NURSE, at(date(2026, 1, 6)))
    made.stop_clock(ABSENT, date(2026, 1, 10), NURSE, at(date(2026, 1, 10)))
    made.stop_clock(ABSENT, date(2026, 1, 10), NURSE, at(date(2026, 1, 11)))  # recorded again: no change
    assert made.allowed_steps == ("assign", "end-clock-stop", "submit", "cancel")
    made.restart_clock(date(2026, 2, 6), NURSE, at(date(2026, 2, 6)))
    made.restart_clock(date(2026, 2, 6), NURSE, at(date(2026, 2, 7)))  # again: no change
    kinds = [type(event) for event in made.events]
    assert kinds == [events.HealthAdviceRequested, events.HealthAdviceAccepted, events.HealthAdviceClockStopped,
                     events.HealthAdviceClockRestarted]  # fmt: skip
    restarted = made.events[-1]
    assert isinstance(restarted, events.HealthAdviceClockRestarted)
    assert (restarted.restarted_on, restarted.advice_due_on) == (date(2026, 2, 7), date(2026, 3, 16))  # + 28 days


def test_advice_by_the_due_date_is_on_time_and_after_it_late() -> None:
    in_time, late = request(), request()
    in_time.submit(AdviceForm.QUESTIONNAIRE_RESPONSE, at(date(2026, 2, 16), 23), NURSE, at(date(2026, 2, 17)))
    late.submit(AdviceForm.DOCUMENT, at(date(2026, 2, 20)), NURSE, at(date(2026, 2, 20)))
    assert (in_time.on_time, in_time.days_late, in_time.turnaround_days) == (True, 0, 42)
    assert (late.on_time, late.days_late, late.turnaround_days) == (False, 4, 46)
    submitted = late.events[-1]
    assert isinstance(submitted, events.HealthAdviceSubmitted) and submitted.within_statutory_limit is False


def test_submitting_again_answers_as_the_first_time() -> None:
    made = request()
    made.submit(AdviceForm.DOCUMENT, at(date(2026, 1, 20)), NURSE, at(date(2026, 1, 20)))
    made.submit(AdviceForm.QUESTIONNAIRE_RESPONSE, at(date(2026, 3, 20)), NURSE, at(date(2026, 3, 20)))
    assert (made.form, made.submitted_on, made.status) == (
        AdviceForm.DOCUMENT,
        date(2026, 1, 20),
        AdviceStatus.SUBMITTED,
    )
    assert sum(isinstance(event, events.HealthAdviceSubmitted) for event in made.events) == 1


def test_advice_given_while_the_clock_stands_still_is_on_time() -> None:
    made = request()
    made.stop_clock(ABSENT, date(2026, 2, 10), NURSE, at(date(2026, 2, 10)))
    made.submit(AdviceForm.DOCUMENT, at(date(2026, 3, 30)), NURSE, at(date(2026, 3, 30)))
    assert made.on_time is True and not made.clock_stopped
    assert made.clock_stops[0].ended_on == date(2026, 3, 30)


def test_alerts_are_raised_once_per_due_date_and_again_when_it_moves() -> None:
    made = request()
    assert made.next_alert_on() == date(2026, 2, 2)  # 14 days before 16 February
    made.raise_alerts(at(date(2026, 2, 1)))
    assert made.events[1:] == []
    made.raise_alerts(at(date(2026, 2, 2)))
    made.raise_alerts(at(date(2026, 2, 3)))
    assert [type(event) for event in made.events[1:]] == [events.HealthAdviceDueSoon]
    assert made.next_alert_on() == date(2026, 2, 17)
    made.stop_clock(MISSED, date(2026, 2, 5), NURSE, at(date(2026, 2, 5)))
    assert made.next_alert_on() is None  # stopped: the due date is not known yet
    made.restart_clock(date(2026, 2, 8), NURSE, at(date(2026, 2, 8)))  # 4 days: due 20 February
    assert made.next_alert_on() == date(2026, 2, 6)  # owed now for the new due date
    made.raise_alerts(at(date(2026, 2, 9)))
    due_soon = made.events[-1]
    assert isinstance(due_soon, events.HealthAdviceDueSoon)
    assert (due_soon.advice_due_on, due_soon.days_remaining) == (date(2026, 2, 20), 11)
    made.raise_alerts(at(date(2026, 2, 21)))
    made.raise_alerts(at(date(2026, 2, 22)))
    overdue = made.events[-1]
    assert isinstance(overdue, events.HealthAdviceOverdue) and overdue.advice_due_on == date(2026, 2, 20)
    assert made.next_alert_on() is None


def test_a_request_found_overdue_raises_overdue_alone() -> None:
    made = request()
    made.raise_alerts(at(date(2026, 3, 1)))
    assert [type(event) for event in made.events[1:]] == [events.HealthAdviceOverdue]
    assert made.next_alert_on() is None


def test_a_cancelled_request_owes_nothing() -> None:
    made = request()
    made.stop_clock(ABSENT, date(2026, 1, 10), NURSE, at(date(2026, 1, 10)))
    made.cancel("the LA withdrew the request", NURSE, at(date(2026, 1, 12)))
    assert made.next_alert_on() is None and made.rag(date(2026, 5, 1)) is None and not made.clock_stopped
