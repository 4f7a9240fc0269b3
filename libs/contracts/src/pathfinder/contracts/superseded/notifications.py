"""Superseded versions of early-years notification events."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pathfinder.contracts.base import ChildEvent, LondonDate, OdsCode, UtcInstant
from pathfinder.contracts.notifications import EARLY_YEARS_TOPIC, NotificationId
from pydantic import Field


class EarlyYearsNotificationReceivedV1(ChildEvent):
    """v1, emitted only by the platform's JSON API before FHIR submissions existed. Superseded by v2, which
    says how the notification was submitted and carries the sender's message id."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-received.v1"
    topic: ClassVar[str] = EARLY_YEARS_TOPIC
    producer: ClassVar[str] = "notifications"

    notification_id: UUID = Field(description="Platform id of the notification; details through the API")
    notifying_organisation: OdsCode = Field(description="ODS code of the ICB or trust that formed the opinion")
    opinion_formed_on: LondonDate = Field(description="Date the NHS body formed its opinion (Europe/London)")
    received_at: UtcInstant = Field(description="Instant the platform accepted the notification (UTC)")


class EarlyYearsNotificationDeliveredToLaV1(ChildEvent):
    """v1 could not say that a notification went to the LA's MESH mailbox. Superseded by v2, whose ``channel``
    has the value ``mesh``."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-delivered-to-la.v1"
    topic: ClassVar[str] = EARLY_YEARS_TOPIC
    producer: ClassVar[str] = "notifications"

    notification_id: NotificationId
    subscription_id: UUID = Field(description="The LA subscription it was delivered on")
    channel: Literal["kafka", "webhook", "fhir-rest-hook"] = Field(description="How it was delivered")
    delivered_at: UtcInstant = Field(
        description="Instant the LA's system accepted it (a 2xx from its endpoint) or, on Kafka, the record for the "
        "LA's topic was committed (the relay writes it there, at least once)"
    )
