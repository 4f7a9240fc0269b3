"""Events of early-years health notifications (Children and Families Act 2014, s23), produced by notifications.

Each notification's events are keyed by the child. A notification is brought to the LA's attention only after the
NHS body informed the parent and offered a discussion (s23(2)(a)-(c)); a rejected one never reaches an LA.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pathfinder.contracts.base import ChildEvent, ContractEvent, LondonDate, OdsCode, Reference, UtcInstant
from pydantic import Field

EARLY_YEARS_TOPIC = "pathfinder.notifications.early-years"

NotificationId = Annotated[UUID, Field(description="Platform id of the notification; details through the API")]
NotifyingOrganisation = Annotated[OdsCode, Field(description="ODS code of the ICB or trust that sent it")]


class _EarlyYearsEvent(ChildEvent):
    topic: ClassVar[str] = EARLY_YEARS_TOPIC
    producer: ClassVar[str] = "notifications"

    notification_id: NotificationId


class EarlyYearsNotificationReceived(_EarlyYearsEvent):
    """An NHS body brought to the LA's attention that a child under compulsory school age has, or probably has,
    special educational needs or a disability (s23(2)(c)), and the platform accepted the notification."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-received.v2"

    notifying_organisation: NotifyingOrganisation
    opinion_formed_on: LondonDate = Field(description="Date the NHS body formed its opinion")
    received_at: UtcInstant = Field(description="Instant the platform accepted the notification")
    submission_format: Literal["json", "fhir-message", "fhir-communication", "bulk"] = Field(
        description="How the NHS body sent it: the platform's JSON API, a FHIR message Bundle, a bare FHIR "
        "Communication, or a bulk backfill"
    )
    source_message_id: Reference | None = Field(
        description="The sender's own id of the message (FHIR MessageHeader or Communication id), if it gave one"
    )


class NotificationRejectionReason(StrEnum):
    NOT_UNDER_COMPULSORY_SCHOOL_AGE = "not-under-compulsory-school-age"  # s23(1): only young children
    PARENT_NOT_INFORMED = "parent-not-informed"  # s23(2)(a)
    DISCUSSION_NOT_OFFERED = "discussion-not-offered"  # s23(2)(b)
    STATUTORY_ORDER_NOT_FOLLOWED = "statutory-order-not-followed"  # informed, then discussion, then the LA
    RESPONSIBLE_LA_UNKNOWN = "responsible-la-unknown"  # neither named nor derivable from the postcode
    NOTIFYING_BODY_NOT_ELIGIBLE = "notifying-body-not-eligible"  # s23 applies to ICBs and NHS (foundation) trusts


class EarlyYearsNotificationRejected(ContractEvent):
    """The platform refused a notification it had received, for a statutory reason. It goes to the sender's
    status and to monitoring only: an LA must not learn of a child whose parent was not yet informed."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-rejected.v1"
    topic: ClassVar[str] = EARLY_YEARS_TOPIC
    producer: ClassVar[str] = "notifications"
    la_deliverable: ClassVar[bool] = False
    key_field: ClassVar[str] = "notification_id"  # a rejected notification may name no child the platform knows

    notification_id: NotificationId
    notifying_organisation: NotifyingOrganisation
    rejected_at: UtcInstant = Field(description="Instant the platform rejected it")
    reasons: tuple[NotificationRejectionReason, ...] = Field(min_length=1, description="Every reason that applies")


class EarlyYearsNotificationDeliveredToLa(_EarlyYearsEvent):
    """The notification reached the responsible LA's system on one of its subscriptions."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-delivered-to-la.v2"

    subscription_id: UUID = Field(description="The LA subscription it was delivered on")
    channel: Literal["kafka", "webhook", "fhir-rest-hook", "mesh"] = Field(description="How it was delivered")
    delivered_at: UtcInstant = Field(
        description="Instant the LA's system accepted it (a 2xx from its endpoint), on Kafka the record for the "
        "LA's topic was committed (the relay writes it there, at least once), or MESH accepted the message for the "
        "LA's mailbox"
    )


class EarlyYearsNotificationAcknowledgedByLa(_EarlyYearsEvent):
    """The responsible LA confirmed it has taken the notification on; the sender sees this in its status."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-acknowledged-by-la.v1"

    acknowledged_at: UtcInstant = Field(description="Instant the LA acknowledged it")
    la_reference: Reference | None = Field(description="The LA's own case reference for it, if it gave one")


class EarlyYearsNotificationAcknowledgementOverdue(_EarlyYearsEvent):
    """The LA has not acknowledged a delivered notification within the configured time (as a MESH
    non-delivery report); raised once per notification."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-acknowledgement-overdue.v1"

    delivered_at: UtcInstant = Field(description="Instant of the first delivery to the LA")
    acknowledgement_due_at: UtcInstant = Field(description="Instant by which an acknowledgement was expected")


class WithdrawalReason(StrEnum):
    SENT_IN_ERROR = "sent-in-error"
    WRONG_CHILD = "wrong-child"
    WRONG_LA = "wrong-la"  # the responsible LA was wrong; the right LA receives a new notification
    DUPLICATE = "duplicate"
    OPINION_REVISED = "opinion-revised"  # the NHS body no longer holds the opinion


class EarlyYearsNotificationWithdrawn(_EarlyYearsEvent):
    """The NHS body withdrew a notification; the LA should close what it opened for it."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-withdrawn.v1"

    withdrawn_at: UtcInstant = Field(description="Instant the platform accepted the withdrawal")
    reason: WithdrawalReason = Field(description="Why it was withdrawn")


class CorrectedPart(StrEnum):
    CHILD_DETAILS = "child-details"
    OPINION_FORMED_ON = "opinion-formed-on"
    PARENT_CONTACT = "parent-contact"  # when the parent was informed or offered a discussion
    NOTIFYING_CONTACT = "notifying-contact"
    REASONS = "reasons"


class EarlyYearsNotificationCorrected(_EarlyYearsEvent):
    """The NHS body corrected a notification; what changed is fetched through the API. A change of responsible
    LA is never a correction: it is a withdrawal (wrong-la) and a new notification to the right LA."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-corrected.v1"

    corrected_at: UtcInstant = Field(description="Instant the platform accepted the correction")
    corrected_parts: tuple[CorrectedPart, ...] = Field(min_length=1, description="Which parts changed")


__all__ = [
    "EARLY_YEARS_TOPIC",
    "CorrectedPart",
    "EarlyYearsNotificationAcknowledgedByLa",
    "EarlyYearsNotificationAcknowledgementOverdue",
    "EarlyYearsNotificationCorrected",
    "EarlyYearsNotificationDeliveredToLa",
    "EarlyYearsNotificationReceived",
    "EarlyYearsNotificationRejected",
    "EarlyYearsNotificationWithdrawn",
    "NotificationRejectionReason",
    "WithdrawalReason",
]
