"""The early-years notification aggregate, without I/O: judged once on arrival with one rule set, then the
events of its lifecycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from notifications_kit.messages import child
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.notifications import EarlyYearsNotificationAcknowledgementOverdue
from pathfinder.contracts.notifications import NotificationRejectionReason as Reason
from pathfinder.notifications.domain.early_years_notification import (
    EarlyYearsNotification,
    NotificationStatus,
)
from pathfinder.notifications.domain.section_23 import Section23Facts

RECEIVED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FACTS = Section23Facts(
    notified_on=date(2026, 11, 23),
    opinion_formed_on=date(2026, 11, 20),
    parent_informed_on=date(2026, 11, 20),
    discussion_offered_on=date(2026, 11, 21),
    birth_date=date(2024, 4, 12),
    responsible_la="841",
)


def submit(**changes: object) -> EarlyYearsNotification:
    return EarlyYearsNotification.submit(
        notification_id=uuid4(),
        notifying_organisation="RR8",
        message_id="bundle-1",
        submission_format="fhir-message",
        facts=replace(FACTS, **changes),  # type: ignore[arg-type]
        child=child(),
        received_at=RECEIVED_AT,
    )


def test_an_accepted_notification_raises_a_thin_received_event_once_the_child_is_named() -> None:
    notification = submit()
    assert (notification.status, notification.events) == (NotificationStatus.AWAITING_IDENTITY, [])
    assert notification.next_identity_attempt_at == RECEIVED_AT, "identity is asked at once, by the worker"
    person_id = uuid4()
    notification.child_named(person_id, "841")
    [event] = notification.events
    assert isinstance(event, EarlyYearsNotificationReceived)
    assert event.notification_id == notification.id
    assert event.person_id == person_id == notification.person_id
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
    assert event.submission_format == "fhir-message"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"parent_informed_on": None}, Reason.PARENT_NOT_INFORMED),
        ({"discussion_offered_on": None}, Reason.DISCUSSION_NOT_OFFERED),
        ({"opinion_formed_on": date(2026, 11, 24)}, Reason.STATUTORY_ORDER_NOT_FOLLOWED),  # after it was sent
    ],
)
def test_notifications_that_break_section_23_are_rejected(changes: dict[str, object], reason: Reason) -> None:
    notification = submit(**changes)
    assert notification.status is NotificationStatus.REJECTED
    assert reason in notification.reasons
    assert notification.child is None, "a rejected notification keeps no child's details"
    assert not notification.brought_to_la


def test_the_overdue_alert_is_raised_once_and_never_after_an_acknowledgement() -> None:
    notification = submit()
    notification.child_named(uuid4(), "841")
    delivered_at, due_after = RECEIVED_AT + timedelta(hours=1), timedelta(days=5)
    notification.delivered(uuid4(), "webhook", delivered_at)
    assert notification.acknowledgement_due_at(due_after) == delivered_at + due_after
    assert not notification.check_acknowledgement(due_after, delivered_at + due_after - timedelta(seconds=1))
    assert notification.check_acknowledgement(due_after, delivered_at + due_after)
    assert not notification.check_acknowledgement(due_after, delivered_at + due_after * 2)
    alerts = [e for e in notification.events if isinstance(e, EarlyYearsNotificationAcknowledgementOverdue)]
    assert len(alerts) == 1 and alerts[0].acknowledgement_due_at == delivered_at + due_after
    assert notification.status is NotificationStatus.ACKNOWLEDGEMENT_OVERDUE
    assert notification.acknowledge(None, delivered_at + due_after * 2)
    assert notification.acknowledgement_due_at(due_after) is None
    assert notification.acknowledgement_overdue_at == delivered_at + due_after, "the lateness stays on record"
