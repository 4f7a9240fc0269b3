"""Events of early-years health notifications (Children and Families Act 2014, s23)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pathfinder.contracts.base import ContractEvent, OdsCode
from pydantic import AwareDatetime, Field

EARLY_YEARS_TOPIC = "pathfinder.notifications.early-years"


class EarlyYearsNotificationReceived(ContractEvent):
    """An NHS body brought to the LA's attention that a child under compulsory school age has, or probably
    has, special educational needs or a disability (s23(2)(c)), and the platform accepted the notification."""

    event_type: ClassVar[str] = "pathfinder.notifications.early-years-notification-received.v1"
    topic: ClassVar[str] = EARLY_YEARS_TOPIC
    producer: ClassVar[str] = "notifications"

    notification_id: UUID = Field(description="Platform id of the notification; details through the API")
    notifying_organisation: OdsCode = Field(description="ODS code of the ICB or trust that formed the opinion")
    opinion_formed_on: date = Field(description="Date the NHS body formed its opinion (Europe/London)")
    received_at: AwareDatetime = Field(description="Instant the platform accepted the notification (UTC)")
