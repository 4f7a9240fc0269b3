"""Dates that cannot be true are wrong input, not statutory failures; a parent informed after the LA was told is
s23(2) not followed."""

from __future__ import annotations

from datetime import date

from pathfinder.notifications.domain.section_23 import DatedStep, impossible_dates

RECEIVED_ON = date(2026, 12, 2)


def steps(**dates: date | None) -> list[DatedStep]:
    given = {
        "received_on": RECEIVED_ON,
        "notified_on": date(2026, 11, 23),
        "opinion_formed_on": date(2026, 11, 2),
        "parent_informed_on": date(2026, 11, 5),
        "discussion_offered_on": date(2026, 11, 9),
        **dates,
    }
    return [found.step for found in impossible_dates(**given)]  # type: ignore[arg-type]


def test_dates_up_to_the_day_of_receipt_are_possible() -> None:
    assert steps() == []
    assert steps(notified_on=RECEIVED_ON, opinion_formed_on=RECEIVED_ON) == [], "all on the day it arrived"


def test_a_notification_sent_a_year_ahead_is_impossible() -> None:
    assert steps(notified_on=date(2027, 12, 2)) == [DatedStep.SENT]


def test_every_step_dated_after_the_day_of_receipt_is_named() -> None:
    future = date(2026, 12, 3)
    found = steps(notified_on=future, opinion_formed_on=future, parent_informed_on=future, discussion_offered_on=future)
    assert found == [DatedStep.SENT, DatedStep.OPINION_FORMED, DatedStep.PARENT_INFORMED, DatedStep.DISCUSSION_OFFERED]


def test_an_opinion_formed_after_the_notification_about_it_is_impossible() -> None:
    assert steps(opinion_formed_on=date(2026, 11, 24)) == [DatedStep.OPINION_FORMED]


def test_a_parent_informed_after_the_notification_was_sent_is_left_to_section_23() -> None:
    assert steps(parent_informed_on=date(2026, 11, 30), discussion_offered_on=date(2026, 12, 1)) == []
