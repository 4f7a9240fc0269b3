"""What the LA's SEND service knows about one child before and during EHC needs assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID


@dataclass(frozen=True)
class EarlyYearsNotice:
    """An NHS body told the LA this child may have SEN or a disability (CFA 2014 s23). Early notice lets the
    LA plan before any request for an EHC needs assessment arrives."""

    notification_id: UUID
    notifying_organisation: str
    opinion_formed_on: date
    received_at: datetime


class LaChangeCause(StrEnum):
    NOTICE = "notice"  # a notice came for the child naming another LA than the case had
    TRANSFER = "transfer"  # the person index handed the child to another LA


@dataclass(frozen=True)
class ResponsibleLaChange:
    """The case moved to another LA with the child, kept for the LAs' review: a notice named another LA
    (``notification_id``), or the person index transferred the child (no notice)."""

    from_la: str
    to_la: str
    notification_id: UUID | None
    changed_at: datetime
    cause: LaChangeCause = LaChangeCause.NOTICE


@dataclass
class ChildCase:
    person_id: UUID
    responsible_la: str
    early_years_notices: list[EarlyYearsNotice] = field(default_factory=list)
    responsible_la_changes: list[ResponsibleLaChange] = field(default_factory=list)
    transferred_at: datetime | None = None
    """When the person index last transferred the child (announced to ehcp), whether or not the case moved then."""

    def record_early_years_notice(self, notice: EarlyYearsNotice, *, responsible_la: str) -> None:
        """Every notice is kept. The LA a notice names is the person index's (notifications takes it from there,
        never from the sender), so the case follows it: no first notice can lock the responsible LA out of its
        own child, and a move is a fact to review, not a lost notice. A notice sent before the child's latest
        transfer names the LA of then (notices and transfers come on different topics, so out of order): kept,
        but the case stays with the LA the child was transferred to."""
        if responsible_la != self.responsible_la and not self._transferred_since(notice.received_at):
            change = ResponsibleLaChange(
                self.responsible_la, responsible_la, notice.notification_id, notice.received_at
            )
            self.responsible_la_changes.append(change)
            self.responsible_la = responsible_la
        self.early_years_notices.append(notice)

    def transferred(self, to_la: str, *, at: datetime) -> None:
        """The person index handed the child to ``to_la``: the case follows the child there, and the move is kept
        for review. Already there (a later notice came first), the case stays and only the instant is kept."""
        self.transferred_at = at if self.transferred_at is None else max(self.transferred_at, at)
        if to_la == self.responsible_la:
            return
        change = ResponsibleLaChange(self.responsible_la, to_la, None, at, LaChangeCause.TRANSFER)
        self.responsible_la_changes.append(change)
        self.responsible_la = to_la

    def _transferred_since(self, instant: datetime) -> bool:
        return self.transferred_at is not None and self.transferred_at > instant
