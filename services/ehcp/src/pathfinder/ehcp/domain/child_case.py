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


@dataclass(frozen=True)
class ResponsibleLaChange:
    """A notice came for the child naming another LA than the case had: the case moved to it, kept for review."""

    from_la: str
    to_la: str
    notification_id: UUID
    changed_at: datetime


@dataclass
class ChildCase:
    person_id: UUID
    responsible_la: str
    early_years_notices: list[EarlyYearsNotice] = field(default_factory=list)
    responsible_la_changes: list[ResponsibleLaChange] = field(default_factory=list)

    def record_early_years_notice(self, notice: EarlyYearsNotice, *, responsible_la: str) -> None:
        """Every notice is kept. The LA a notice names is the person index's (notifications takes it from there,
        never from the sender), so the case follows it: no first notice can lock the responsible LA out of its
        own child, and a move is a fact to review, not a lost notice."""
        if responsible_la != self.responsible_la:
            change = ResponsibleLaChange(
                self.responsible_la, responsible_la, notice.notification_id, notice.received_at
            )
            self.responsible_la_changes.append(change)
            self.responsible_la = responsible_la
        self.early_years_notices.append(notice)
