"""An early-years health notification (Children and Families Act 2014, s23), from the moment an NHS body sends
it until the LA acknowledges it: one aggregate, one set of rules, the events it raises.

    awaiting-identity -> awaiting-identity-review -> received -> delivered -> (acknowledgement-overdue) -> acknowledged
          \\-> received                                 rejected (never reaches an LA)

It is judged on arrival against s23 (:mod:`.section_23`): a breach rejects it with every reason that applies.
Accepted, it waits for identity to name the child (a person decides a possible match), and only then is the
LA told: the Received event. Delivered to the LA's system on a subscription, the LA is expected to acknowledge
it within a configured time; if it does not, the alert is raised once (as a MESH non-delivery report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgedByLa,
    EarlyYearsNotificationAcknowledgementOverdue,
    EarlyYearsNotificationDeliveredToLa,
    EarlyYearsNotificationReceived,
    NotificationRejectionReason,
)
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.notifications.domain.section_23 import Section23Facts, Timeliness, section_23_breaches, timeliness

DeliveryChannel = Literal["kafka", "webhook", "fhir-rest-hook", "mesh"]
# "json" only on notifications kept from the retired JSON endpoint.
SubmissionFormat = Literal["json", "fhir-message", "fhir-communication", "bulk"]
HeldBecause = Literal["identity-unavailable", "possible-match-review"]

# Identity being down must not lose a notification, nor hammer identity when it comes back.
FIRST_RETRY_AFTER = timedelta(seconds=30)
LONGEST_RETRY_INTERVAL = timedelta(minutes=30)
# Identity announces review decisions; asking again now and then covers an announcement missed in a race.
REVIEW_RECHECK_INTERVAL = timedelta(minutes=15)
_EVENT_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}")


class AcknowledgedOtherwise(ValueError):
    """The LA acknowledged the notification before, with another reference (or none)."""

    def __init__(self, first_reference: str | None, acknowledged_at: datetime) -> None:
        super().__init__(f"acknowledged before with reference {first_reference!r}")
        self.first_reference, self.acknowledged_at = first_reference, acknowledged_at


class NotificationStatus(StrEnum):
    """Where a notification stands:

    - ``awaiting-identity``: accepted; identity has not yet named the child (the worker asks it at once, and again,
      backing off, while it is unavailable);
    - ``awaiting-identity-review``: accepted; identity found a possible match with a child it knows, which a person
      decides in identity; the decision releases it at once;
    - ``received``: identity named the child; the responsible LA's subscriptions get it;
    - ``delivered``: it reached the responsible LA's system; the LA is expected to acknowledge it;
    - ``acknowledgement-overdue``: delivered, and not acknowledged in the time allowed (the alert is raised once);
    - ``acknowledged``: the responsible LA took it on, with its own reference;
    - ``rejected``: a statutory failure (``reasons`` says which); no LA hears of it.

    The LA reads a notification only from ``received`` on; of one held (the first two), only that it is held.
    """

    AWAITING_IDENTITY = "awaiting-identity"
    AWAITING_IDENTITY_REVIEW = "awaiting-identity-review"
    RECEIVED = "received"
    DELIVERED = "delivered"
    ACKNOWLEDGEMENT_OVERDUE = "acknowledgement-overdue"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"


AWAITING_IDENTITY = frozenset({NotificationStatus.AWAITING_IDENTITY, NotificationStatus.AWAITING_IDENTITY_REVIEW})
# What the responsible LA may know of: notifications brought to its attention, never those rejected or still
# being resolved (s23(2): the parent is informed before the LA hears of the child).
BROUGHT_TO_LA = frozenset(
    {
        NotificationStatus.RECEIVED,
        NotificationStatus.DELIVERED,
        NotificationStatus.ACKNOWLEDGEMENT_OVERDUE,
        NotificationStatus.ACKNOWLEDGED,
    }
)


@dataclass
class EarlyYearsNotification:
    id: UUID
    notifying_organisation: str
    message_id: str | None
    submission_format: SubmissionFormat
    received_at: datetime
    status: NotificationStatus
    opinion_formed_on: date
    responsible_la: str | None = None
    """Until identity names the child, the LA the sender named (or its postcode gave); then the LA identity holds
    the child under, which owns that fact."""
    named_la: str | None = None
    """The LA the sender named, or its postcode gave."""
    reasons: tuple[NotificationRejectionReason, ...] = ()
    timeliness: Timeliness | None = None
    """None only on notifications kept from before it was recorded."""
    child: ChildDemographics | Sealed | None = field(default=None, repr=False)
    """The child's details, held only while identity has still to name the child: as sent until stored, then
    sealed (opened only to ask identity again)."""
    person_id: UUID | None = None
    review_id: UUID | None = None
    identity_attempts: int = 0
    next_identity_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    delivery_channel: DeliveryChannel | None = None
    delivered_on: frozenset[UUID] = frozenset()
    """The LA subscriptions it has been delivered on (each reported once)."""
    acknowledged_at: datetime | None = None
    la_reference: str | None = None
    acknowledgement_overdue_at: datetime | None = None
    events: list[ContractEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def submit(
        cls,
        *,
        notification_id: UUID,
        notifying_organisation: str,
        message_id: str | None,
        submission_format: SubmissionFormat,
        facts: Section23Facts,
        child: ChildDemographics,
        received_at: datetime,
    ) -> EarlyYearsNotification:
        """Judge a notification as it arrives: rejected with every reason that applies, or waiting for identity."""
        reasons = section_23_breaches(facts)
        accepted = not reasons
        return cls(
            id=notification_id,
            notifying_organisation=notifying_organisation,
            message_id=message_id,
            submission_format=submission_format,
            received_at=received_at,
            status=NotificationStatus.AWAITING_IDENTITY if accepted else NotificationStatus.REJECTED,
            opinion_formed_on=facts.opinion_formed_on,
            responsible_la=facts.responsible_la,
            named_la=facts.responsible_la,
            reasons=reasons,
            timeliness=timeliness(facts),
            child=child if accepted else None,
            # Due at once: the worker, woken by its commit, asks identity about every waiting child in one batch.
            next_identity_attempt_at=received_at if accepted else None,
        )

    @property
    def accepted(self) -> bool:
        return self.status is not NotificationStatus.REJECTED

    @property
    def awaits_identity(self) -> bool:
        """Identity has still to name the child: it was unreachable, or a person is to decide a possible match."""
        return self.status in AWAITING_IDENTITY

    @property
    def brought_to_la(self) -> bool:
        return self.status in BROUGHT_TO_LA

    @property
    def held_because(self) -> HeldBecause | None:
        """Why the LA it names has not heard of it yet, while identity has still to name the child."""
        if self.status is NotificationStatus.AWAITING_IDENTITY:
            return "identity-unavailable"
        if self.status is NotificationStatus.AWAITING_IDENTITY_REVIEW:
            return "possible-match-review"
        return None

    def identity_unavailable(self, now: datetime) -> None:
        """Try again later, backing off: 1 min, 2 min, 4 min ... at most every 30 minutes."""
        self.identity_attempts += 1
        backoff = min(FIRST_RETRY_AFTER * 2 ** min(self.identity_attempts, 10), LONGEST_RETRY_INTERVAL)
        self.next_identity_attempt_at = now + backoff

    def held_for_review(self, review_id: UUID, now: datetime) -> None:
        self.status = NotificationStatus.AWAITING_IDENTITY_REVIEW
        self.review_id = review_id
        self.next_identity_attempt_at = now + REVIEW_RECHECK_INTERVAL

    def child_named(self, person_id: UUID, responsible_la: str) -> None:
        """Identity named the child and the LA it holds the child under: the notification is received, and that
        LA can be told (s23(2)(c)). A sender cannot steer a child to another LA by naming it."""
        if not self.awaits_identity:
            return
        self.status = NotificationStatus.RECEIVED
        self.person_id = person_id
        self.responsible_la = responsible_la
        self.child = None
        self.next_identity_attempt_at = None
        message_id = self.message_id or ""
        self.events.append(
            EarlyYearsNotificationReceived(
                person_id=person_id,
                responsible_la=self.responsible_la,
                notification_id=self.id,
                notifying_organisation=self.notifying_organisation,
                opinion_formed_on=self.opinion_formed_on,
                received_at=self.received_at,
                submission_format=self.submission_format,
                source_message_id=message_id if _EVENT_REFERENCE.fullmatch(message_id) else None,
            )
        )

    def refused_by_identity(self, reason: NotificationRejectionReason) -> None:
        """Identity will not take the record (it names no registered LA): rejected, and no LA hears of it."""
        if not self.awaits_identity:
            return
        self.status, self.reasons = NotificationStatus.REJECTED, (reason,)
        self.child, self.next_identity_attempt_at = None, None

    @property
    def sent_elsewhere(self) -> bool:
        """Identity holds the child under another LA than the sender named: delivered there, not where named."""
        return self.person_id is not None and self.named_la is not None and self.named_la != self.responsible_la

    def delivered(self, subscription_id: UUID, channel: DeliveryChannel, at: datetime) -> None:
        """It reached the LA's system on a subscription: reported once per subscription; the first delivery
        on any subscription starts the LA's time to acknowledge."""
        if subscription_id in self.delivered_on:
            return
        person_id, la_code = self._named()
        self.delivered_on = self.delivered_on | {subscription_id}
        self.events.append(
            EarlyYearsNotificationDeliveredToLa(
                person_id=person_id,
                responsible_la=la_code,
                notification_id=self.id,
                subscription_id=subscription_id,
                channel=channel,
                delivered_at=at,
            )
        )
        if self.delivered_at is None:
            self.delivered_at, self.delivery_channel = at, channel
            if self.status is NotificationStatus.RECEIVED:
                self.status = NotificationStatus.DELIVERED

    def acknowledge(self, la_reference: str | None, at: datetime) -> bool:
        """The responsible LA takes the notification on; False (and nothing changes) if it already had. A repeat
        naming another reference than the first is refused: the sender was told the first one."""
        if self.acknowledged_at is not None:
            if la_reference is not None and la_reference != self.la_reference:
                raise AcknowledgedOtherwise(self.la_reference, self.acknowledged_at)
            return False
        person_id, la_code = self._named()
        self.acknowledged_at, self.la_reference = at, la_reference
        self.status = NotificationStatus.ACKNOWLEDGED
        self.events.append(
            EarlyYearsNotificationAcknowledgedByLa(
                person_id=person_id,
                responsible_la=la_code,
                notification_id=self.id,
                acknowledged_at=at,
                la_reference=la_reference,
            )
        )
        return True

    def acknowledgement_due_at(self, due_after: timedelta) -> datetime | None:
        if self.delivered_at is None or self.acknowledged_at is not None:
            return None
        return self.delivered_at + due_after

    def check_acknowledgement(self, due_after: timedelta, now: datetime, *, undeliverable: bool = False) -> bool:
        """Raise the alert, once, if the LA has not acknowledged by the due time; False while it still has time,
        unless what it was delivered on says the LA will never have it (``undeliverable``: MESH gave up)."""
        due_at = self.acknowledgement_due_at(due_after)
        if due_at is None or (due_at > now and not undeliverable) or self.acknowledgement_overdue_at is not None:
            return False
        person_id, la_code = self._named()
        assert self.delivered_at is not None
        self.acknowledgement_overdue_at = now
        self.status = NotificationStatus.ACKNOWLEDGEMENT_OVERDUE
        self.events.append(
            EarlyYearsNotificationAcknowledgementOverdue(
                person_id=person_id,
                responsible_la=la_code,
                notification_id=self.id,
                delivered_at=self.delivered_at,
                acknowledgement_due_at=due_at,
            )
        )
        return True

    def _named(self) -> tuple[UUID, str]:
        if self.person_id is None or self.responsible_la is None:
            raise ValueError(f"notification {self.id} is {self.status}: its child is not named yet")
        return self.person_id, self.responsible_la
