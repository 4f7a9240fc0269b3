# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Section 23 without I/O: compulsory school age at its boundaries, and the order of the statutory steps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.notifications import NotificationRejectionReason as Reason
from pathfinder.notifications.domain.inbound_notification import InboundNotification, InboundStatus
from pathfinder.notifications.domain.school_age import compulsory_school_age_starts, is_under_compulsory_school_age
from pathfinder.notifications.domain.statutory_checks import Section23Facts, section_23_breaches


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        (date(2020, 9, 1), date(2025, 12, 31)),  # fifth birthday 1 Sep: next prescribed day is 31 Dec
        (date(2020, 12, 30), date(2025, 12, 31)),
        (date(2021, 1, 1), date(2026, 3, 31)),  # birthday just after 31 Dec: waits for 31 Mar
        (date(2021, 4, 1), date(2026, 8, 31)),
        (date(2021, 8, 30), date(2026, 8, 31)),
        (date(2020, 8, 31), date(2025, 8, 31)),  # birthday on a prescribed day: that very day (s8(2)(a))
        (date(2020, 3, 31), date(2025, 3, 31)),
        (date(2020, 12, 31), date(2025, 12, 31)),
        (date(2020, 2, 29), date(2025, 3, 31)),  # a leap-day child turns five on 1 March
    ],
)
def test_compulsory_school_age_starts_on_the_prescribed_day_after_the_fifth_birthday(born, starts) -> None:
    assert compulsory_school_age_starts(born) == starts


def test_a_child_is_under_compulsory_school_age_until_the_day_it_starts() -> None:
    born = date(2021, 1, 15)
    assert is_under_compulsory_school_age(born, date(2026, 3, 30))
    assert not is_under_compulsory_school_age(born, date(2026, 3, 31))


FACTS = Section23Facts(
    notified_on=date(2026, 11, 23),
    opinion_formed_on=date(2026, 11, 2),
    parent_informed_on=date(2026, 11, 5),
    discussion_offered_on=date(2026, 11, 9),
    birth_date=date(2024, 5, 1),
    responsible_la="841",
)


def test_a_notification_made_in_order_for_a_young_child_breaks_nothing() -> None:
    assert section_23_breaches(FACTS) == ()
    same_day = replace(FACTS, opinion_formed_on=FACTS.notified_on, parent_informed_on=FACTS.notified_on)
    assert section_23_breaches(replace(same_day, discussion_offered_on=FACTS.notified_on)) == ()


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"parent_informed_on": None}, (Reason.PARENT_NOT_INFORMED,)),
        ({"discussion_offered_on": None}, (Reason.DISCUSSION_NOT_OFFERED,)),
        ({"discussion_offered_on": date(2026, 11, 4)}, (Reason.STATUTORY_ORDER_NOT_FOLLOWED,)),
        ({"discussion_offered_on": date(2026, 11, 24)}, (Reason.STATUTORY_ORDER_NOT_FOLLOWED,)),
        ({"parent_informed_on": date(2026, 11, 1)}, (Reason.STATUTORY_ORDER_NOT_FOLLOWED,)),
        ({"birth_date": date(2021, 1, 1)}, (Reason.NOT_UNDER_COMPULSORY_SCHOOL_AGE,)),
        ({"responsible_la": None}, (Reason.RESPONSIBLE_LA_UNKNOWN,)),
        (
            {"parent_informed_on": None, "discussion_offered_on": None, "responsible_la": None},
            (Reason.PARENT_NOT_INFORMED, Reason.DISCUSSION_NOT_OFFERED, Reason.RESPONSIBLE_LA_UNKNOWN),
        ),
    ],
)
def test_every_breach_is_a_reason(changes, reasons) -> None:
    assert section_23_breaches(replace(FACTS, **changes)) == reasons


def received(status: InboundStatus = InboundStatus.AWAITING_IDENTITY) -> InboundNotification:
    at = datetime(2026, 11, 23, 10, tzinfo=UTC)
    return InboundNotification(uuid4(), "RR8", "m-1", "fhir-message", at, status, date(2026, 11, 2), "841")


def test_identity_being_away_backs_off_up_to_half_an_hour() -> None:
    notification = received()
    now = notification.received_at
    waits = []
    for _ in range(12):
        notification.identity_unavailable(now)
        assert notification.next_identity_attempt_at is not None
        waits.append((notification.next_identity_attempt_at - now).total_seconds())
    assert waits[:3] == [60, 120, 240]
    assert max(waits) == 1800


def test_a_resolved_notification_raises_the_received_event_with_its_source() -> None:
    notification = received()
    person_id = uuid4()
    aggregate = notification.resolved(person_id, source_message_id="m-1")
    [event] = aggregate.events
    assert isinstance(event, EarlyYearsNotificationReceived)
    assert (event.person_id, event.submission_format, event.source_message_id) == (person_id, "fhir-message", "m-1")
    assert notification.status is InboundStatus.RECEIVED


def test_delivery_and_acknowledgement_are_recorded_once() -> None:
    notification = received(InboundStatus.RECEIVED)
    first, later = datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    assert notification.record_delivery("webhook", first)
    assert not notification.record_delivery("kafka", later)
    assert (notification.status, notification.delivery_channel, notification.delivered_at) == (
        InboundStatus.DELIVERED,
        "webhook",
        first,
    )
    assert notification.record_acknowledgement("DAR/EY/0042", later)
    assert not notification.record_acknowledgement("other", later)
    assert (notification.status, notification.la_reference) == (InboundStatus.ACKNOWLEDGED, "DAR/EY/0042")
