"""The s23 rules of an early-years notification, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification, NotificationRejected


def receive(**changes: object) -> EarlyYearsNotification:
    fields: dict[str, object] = {
        "notification_id": uuid4(),
        "person_id": uuid4(),
        "responsible_la": "841",
        "notifying_organisation": "RR8",
        "opinion_formed_on": date(2026, 11, 20),
        "parent_informed": True,
        "discussion_offered": True,
        "received_at": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    }
    fields.update(changes)
    return EarlyYearsNotification.receive(**fields)  # type: ignore[arg-type]


def test_an_accepted_notification_raises_a_thin_received_event() -> None:
    notification = receive()
    [event] = notification.events
    assert isinstance(event, EarlyYearsNotificationReceived)
    assert event.notification_id == notification.id
    assert event.person_id == notification.person_id
    assert event.responsible_la == "841"
    assert set(event.model_dump()) == {
        "person_id",
        "responsible_la",
        "notification_id",
        "notifying_organisation",
        "opinion_formed_on",
        "received_at",
        "submission_format",
        "source_message_id",
    }
    assert event.submission_format == "json"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"parent_informed": False}, "parent must be informed"),
        ({"discussion_offered": False}, "offered a discussion"),
        ({"opinion_formed_on": date(2026, 11, 24)}, "after the notification was received"),
    ],
)
def test_notifications_that_break_section_23_are_rejected(changes: dict[str, object], words: str) -> None:
    with pytest.raises(NotificationRejected, match=words):
        receive(**changes)


def test_the_opinion_date_is_judged_on_the_england_calendar() -> None:
    # 23:30 UTC on 31 May is already 1 June in London (BST): an opinion formed on 1 June is not in the future.
    notification = receive(opinion_formed_on=date(2026, 6, 1), received_at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC))
    assert notification.opinion_formed_on == date(2026, 6, 1)
