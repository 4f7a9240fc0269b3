# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Section 23 without I/O: compulsory school age at its boundaries, judged on the day the opinion was formed; the
order of the statutory steps; how long the notification took; and the notification's lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from notifications_kit.messages import child
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgedByLa,
    EarlyYearsNotificationDeliveredToLa,
)
from pathfinder.contracts.notifications import NotificationRejectionReason as Reason
from pathfinder.notifications.domain.early_years_notification import (
    AcknowledgedOtherwise,
    EarlyYearsNotification,
    NotificationStatus,
)
from pathfinder.notifications.domain.school_age import compulsory_school_age_starts, is_under_compulsory_school_age
from pathfinder.notifications.domain.section_23 import Section23Facts, section_23_breaches, timeliness


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


def test_an_opinion_formed_before_compulsory_school_age_meets_s23_even_if_sent_after() -> None:
    # Born 1 Jan 2021: compulsory school age from 31 Mar 2026. Opinion on 30 Mar, sent a week later.
    late = replace(
        FACTS,
        birth_date=date(2021, 1, 1),
        opinion_formed_on=date(2026, 3, 30),
        parent_informed_on=date(2026, 3, 30),
        discussion_offered_on=date(2026, 4, 2),
        notified_on=date(2026, 4, 6),
    )
    assert section_23_breaches(late) == ()
    shown = timeliness(late)
    assert (shown.notified_on, shown.days_from_opinion, shown.notified_after_compulsory_school_age) == (
        date(2026, 4, 6),
        7,
        True,
    )
    on_the_day = replace(late, opinion_formed_on=date(2026, 3, 31), parent_informed_on=date(2026, 3, 31))
    assert section_23_breaches(on_the_day) == (Reason.NOT_UNDER_COMPULSORY_SCHOOL_AGE,)
    assert not timeliness(FACTS).notified_after_compulsory_school_age
    assert timeliness(FACTS).days_from_opinion == 21


def received(status: NotificationStatus = NotificationStatus.AWAITING_IDENTITY) -> EarlyYearsNotification:
    notification = EarlyYearsNotification.submit(
        notification_id=uuid4(),
        notifying_organisation="RR8",
        message_id="m-1",
        submission_format="fhir-message",
        facts=FACTS,
        child=child(),
        received_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
    )
    if status is not NotificationStatus.AWAITING_IDENTITY:
        notification.child_named(uuid4(), "841")
        notification.events.clear()
    assert notification.status is status
    return notification


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


def test_a_named_notification_raises_the_received_event_with_its_source() -> None:
    notification = received()
    person_id = uuid4()
    notification.child_named(person_id, "841")
    [event] = notification.events
    assert isinstance(event, EarlyYearsNotificationReceived)
    assert (event.person_id, event.submission_format, event.source_message_id) == (person_id, "fhir-message", "m-1")
    assert notification.status is NotificationStatus.RECEIVED
    assert notification.child is None, "the child's details go once identity has named the child"
    notification.child_named(uuid4(), "841")
    assert len(notification.events) == 1, "named once"


def test_delivery_and_acknowledgement_are_recorded_once() -> None:
    notification = received(NotificationStatus.RECEIVED)
    first, later = datetime(2026, 11, 24, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)
    hook, topic = uuid4(), uuid4()
    notification.delivered(hook, "webhook", first)
    notification.delivered(topic, "kafka", later)
    notification.delivered(hook, "webhook", later)
    assert (notification.status, notification.delivery_channel, notification.delivered_at) == (
        NotificationStatus.DELIVERED,
        "webhook",
        first,
    )
    reported = [event for event in notification.events if isinstance(event, EarlyYearsNotificationDeliveredToLa)]
    assert [(event.subscription_id, event.channel) for event in reported] == [(hook, "webhook"), (topic, "kafka")]
    assert notification.acknowledge("DAR/EY/0042", later)
    assert not notification.acknowledge("DAR/EY/0042", later), "a repeat answers as the first"
    assert not notification.acknowledge(None, later)
    with pytest.raises(AcknowledgedOtherwise) as refused:
        notification.acknowledge("other", later)
    assert refused.value.first_reference == "DAR/EY/0042"
    assert (notification.status, notification.la_reference) == (NotificationStatus.ACKNOWLEDGED, "DAR/EY/0042")
    assert sum(isinstance(event, EarlyYearsNotificationAcknowledgedByLa) for event in notification.events) == 1


def test_an_unnamed_notification_cannot_be_delivered_or_acknowledged() -> None:
    waiting = received()
    with pytest.raises(ValueError, match="not named"):
        waiting.delivered(uuid4(), "kafka", datetime(2026, 11, 24, tzinfo=UTC))
    with pytest.raises(ValueError, match="not named"):
        waiting.acknowledge(None, datetime(2026, 11, 24, tzinfo=UTC))
