"""The audit of every call to the event history: who, for which organisation, did what, on which slice, why,
and what came of it. A call must say why it is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pathfinder.auth import Principal
from pathfinder.event_history.domain.refusals import MissingReason

MAX_REASON = 500
REASON_HEADER = "Pathfinder-Reason"
ALLOWED = "allowed"


def given_reason(text: str | None) -> str:
    """The caller's reason, or the refusal of a call without one (1 to 500 characters, not only spaces)."""
    if text is None or not text.strip() or len(text) > MAX_REASON:
        raise MissingReason(
            f"Say why you are reading the event history: send a {REASON_HEADER} header of 1 to {MAX_REASON} "
            "characters (a ticket or incident reference, say). Every call is audited with its reason."
        )
    return text


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    subject: str
    organisation: str
    role: str
    action: str
    slice: Mapping[str, Any]
    reason: str | None
    outcome: str
    audit_id: int | None = None

    @classmethod
    def of(
        cls, principal: Principal, *, at: datetime, action: str, slice_: Mapping[str, Any], reason: str | None,
        outcome: str,
    ) -> AuditEntry:  # fmt: skip
        return cls(
            at=at, subject=principal.subject, organisation=principal.organisation, role=principal.role.value,
            action=action, slice=dict(slice_), reason=reason[:MAX_REASON] if reason else None, outcome=outcome,
        )  # fmt: skip
