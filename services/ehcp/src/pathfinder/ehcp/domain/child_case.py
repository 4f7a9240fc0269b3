"""What the LA's SEND service knows about one child before and during EHC needs assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID


@dataclass(frozen=True)
class EarlyYearsNotice:
    """An NHS body told the LA this child may have SEN or a disability (CFA 2014 s23). Early notice lets the
    LA plan before any request for an EHC needs assessment arrives."""

    notification_id: UUID
    notifying_organisation: str
    opinion_formed_on: date
    received_at: datetime


class NoticeForAnotherLa(ValueError):
    pass


@dataclass
class ChildCase:
    person_id: UUID
    responsible_la: str
    early_years_notices: list[EarlyYearsNotice] = field(default_factory=list)

    def record_early_years_notice(self, notice: EarlyYearsNotice, *, responsible_la: str) -> None:
        if responsible_la != self.responsible_la:
            # Responsibility moves through identity's events, never silently through a notice.
            raise NoticeForAnotherLa(f"case is held by LA {self.responsible_la}, notice names LA {responsible_la}")
        self.early_years_notices.append(notice)
