"""An early-years health notification under the Children and Families Act 2014, section 23."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from pathfinder.contracts import ContractEvent, EarlyYearsNotificationReceived

ENGLAND = ZoneInfo("Europe/London")


class NotificationStatus(StrEnum):
    RECEIVED = "received"


class NotificationRejected(ValueError):
    """The notification does not meet what s23 requires; ``reason`` says which rule, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class EarlyYearsNotification:
    id: UUID
    person_id: UUID
    responsible_la: str
    notifying_organisation: str
    opinion_formed_on: date
    parent_informed: bool
    discussion_offered: bool
    received_at: datetime
    status: NotificationStatus = NotificationStatus.RECEIVED
    events: list[ContractEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def receive(
        cls,
        *,
        notification_id: UUID,
        person_id: UUID,
        responsible_la: str,
        notifying_organisation: str,
        opinion_formed_on: date,
        parent_informed: bool,
        discussion_offered: bool,
        received_at: datetime,
        submission_format: Literal["json", "fhir-message", "fhir-communication", "bulk"] = "json",
        source_message_id: str | None = None,
    ) -> EarlyYearsNotification:
        # s23(2): the parent is informed and given the chance to discuss the opinion *before* the NHS body
        # brings it to the LA's attention.
        if not parent_informed:
            raise NotificationRejected("the parent must be informed of the opinion before the LA is notified")
        if not discussion_offered:
            raise NotificationRejected("the parent must be offered a discussion before the LA is notified")
        if opinion_formed_on > received_at.astimezone(ENGLAND).date():
            raise NotificationRejected("the opinion cannot have been formed after the notification was received")
        notification = cls(
            id=notification_id,
            person_id=person_id,
            responsible_la=responsible_la,
            notifying_organisation=notifying_organisation,
            opinion_formed_on=opinion_formed_on,
            parent_informed=parent_informed,
            discussion_offered=discussion_offered,
            received_at=received_at,
        )
        notification.events.append(
            EarlyYearsNotificationReceived(
                person_id=person_id,
                responsible_la=responsible_la,
                notification_id=notification_id,
                notifying_organisation=notifying_organisation,
                opinion_formed_on=opinion_formed_on,
                submission_format=submission_format,
                source_message_id=source_message_id,
                received_at=received_at,
            )
        )
        return notification
