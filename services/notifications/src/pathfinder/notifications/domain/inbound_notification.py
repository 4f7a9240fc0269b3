"""An s23 notification as it arrived from an NHS body, and what became of it: the status its sender queries.

Accepted notifications wait for identity to name the child (and, for a possible match, for a person to
decide) before the LA hears of them; rejected ones keep their reasons and never reach an LA. Once delivered,
the LA is expected to acknowledge within a configured time; if it does not, the alert is raised once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgementOverdue,
    NotificationRejectionReason,
)
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification

DeliveryChannel = Literal["kafka", "webhook", "fhir-rest-hook"]
SubmissionFormat = Literal["json", "fhir-message", "fhir-communication", "bulk"]

# Identity being down must not lose a notification, nor hammer identity when it comes back.
FIRST_RETRY_AFTER = timedelta(seconds=30)
LONGEST_RETRY_INTERVAL = timedelta(minutes=30)
# Identity announces review decisions; asking again now and then covers an announcement missed in a race.
REVIEW_RECHECK_INTERVAL = timedelta(minutes=15)


class InboundStatus(StrEnum):
    AWAITING_IDENTITY = "awaiting-identity"
    AWAITING_IDENTITY_REVIEW = "awaiting-identity-review"
    RECEIVED = "received"
    DELIVERED = "delivered"
    ACKNOWLEDGEMENT_OVERDUE = "acknowledgement-overdue"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"


@dataclass
class InboundNotification:
    id: UUID
    notifying_organisation: str
    message_id: str | None
    submission_format: SubmissionFormat
    received_at: datetime
    status: InboundStatus
    opinion_formed_on: date
    responsible_la: str | None = None
    reasons: tuple[NotificationRejectionReason, ...] = ()
    person_id: UUID | None = None
    review_id: UUID | None = None
    identity_attempts: int = 0
    next_identity_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    delivery_channel: DeliveryChannel | None = None
    acknowledged_at: datetime | None = None
    la_reference: str | None = None
    acknowledgement_overdue_at: datetime | None = None

    def wait_for_identity(self) -> None:
        self.status = InboundStatus.AWAITING_IDENTITY
        self.next_identity_attempt_at = self.received_at + FIRST_RETRY_AFTER

    @property
    def awaits_identity(self) -> bool:
        """Identity has still to name the child: it was unreachable, or a person is to decide a possible match."""
        return self.status in (InboundStatus.AWAITING_IDENTITY, InboundStatus.AWAITING_IDENTITY_REVIEW)

    def identity_unavailable(self, now: datetime) -> None:
        """Try again later, backing off: 30 s, 1 min, 2 min ... at most every 30 minutes."""
        self.identity_attempts += 1
        backoff = min(FIRST_RETRY_AFTER * 2 ** min(self.identity_attempts, 10), LONGEST_RETRY_INTERVAL)
        self.next_identity_attempt_at = now + backoff

    def held_for_review(self, review_id: UUID, now: datetime) -> None:
        self.status = InboundStatus.AWAITING_IDENTITY_REVIEW
        self.review_id = review_id
        self.next_identity_attempt_at = now + REVIEW_RECHECK_INTERVAL

    def resolved(self, person_id: UUID, *, source_message_id: str | None) -> EarlyYearsNotification:
        """The child is known: the notification is received, and the LA can be told (s23(2)(c))."""
        if self.responsible_la is None:
            raise ValueError("an accepted notification always has its responsible LA")
        self.status = InboundStatus.RECEIVED
        self.person_id = person_id
        self.next_identity_attempt_at = None
        return EarlyYearsNotification.receive(
            notification_id=self.id,
            person_id=person_id,
            responsible_la=self.responsible_la,
            notifying_organisation=self.notifying_organisation,
            opinion_formed_on=self.opinion_formed_on,
            parent_informed=True,
            discussion_offered=True,
            received_at=self.received_at,
            submission_format=self.submission_format,
            source_message_id=source_message_id,
        )

    def record_delivery(self, channel: DeliveryChannel, at: datetime) -> bool:
        """The first delivery counts; later ones (other subscriptions, redeliveries) change nothing."""
        if self.delivered_at is not None:
            return False
        self.delivered_at, self.delivery_channel = at, channel
        if self.status is InboundStatus.RECEIVED:
            self.status = InboundStatus.DELIVERED
        return True

    def acknowledgement_due_at(self, due_after: timedelta) -> datetime | None:
        if self.delivered_at is None or self.acknowledged_at is not None:
            return None
        return self.delivered_at + due_after

    def acknowledgement_overdue(
        self, due_after: timedelta, now: datetime
    ) -> EarlyYearsNotificationAcknowledgementOverdue | None:
        """The alert, once, if the LA has not acknowledged by the due time; None while it still has time."""
        due_at = self.acknowledgement_due_at(due_after)
        if due_at is None or due_at > now or self.acknowledgement_overdue_at is not None:
            return None
        if self.person_id is None or self.responsible_la is None or self.delivered_at is None:
            raise ValueError("a delivered notification always names its child and LA")
        self.acknowledgement_overdue_at = now
        self.status = InboundStatus.ACKNOWLEDGEMENT_OVERDUE
        return EarlyYearsNotificationAcknowledgementOverdue(
            person_id=self.person_id,
            responsible_la=self.responsible_la,
            notification_id=self.id,
            delivered_at=self.delivered_at,
            acknowledgement_due_at=due_at,
        )

    def record_acknowledgement(self, la_reference: str | None, at: datetime) -> bool:
        if self.acknowledged_at is not None:
            return False
        self.acknowledged_at, self.la_reference = at, la_reference
        self.status = InboundStatus.ACKNOWLEDGED
        return True
