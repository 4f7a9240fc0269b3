"""The audit log of the person index: who touched which child's details, when, why, and whether allowed.

An entry holds ids and codes only: the person id, never a name or an identifier's value, and a purpose from a
fixed list rather than free text, so the log outlives an erasure without keeping anything erasure must remove.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Purpose(StrEnum):
    """Why a caller reads or changes a child's details."""

    DIRECT_CARE = "direct-care"
    EARLY_YEARS_NOTIFICATION = "early-years-notification"  # CFA 2014 s23
    EHC_NEEDS_ASSESSMENT = "ehc-needs-assessment"
    EHC_PLAN_REVIEW = "ehc-plan-review"
    SAFEGUARDING = "safeguarding"
    RECORD_LINKAGE = "record-linkage"  # matching, reviewing matches, correcting links
    SUBJECT_ACCESS_REQUEST = "subject-access-request"
    ERASURE_REQUEST = "erasure-request"
    AUDIT_OVERSIGHT = "audit-oversight"


class AuditAction(StrEnum):
    MATCH = "match"
    READ_DETAILS = "read-details"
    READ_IDENTIFIERS = "read-identifiers"
    READ_REVIEW = "read-review"
    DECIDE_REVIEW = "decide-review"
    LINK = "link"
    UNLINK = "unlink"
    MERGE = "merge"
    UNMERGE = "unmerge"
    TRANSFER = "transfer"  # the responsible LA handed the child to another
    ERASE = "erase"
    READ_AUDIT = "read-audit"


class AuditOutcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    NOT_FOUND = "not-found"
    GONE = "gone"  # the person was erased


@dataclass(frozen=True)
class Actor:
    """Who acted: an API client or a person, for an organisation."""

    subject: str
    kind: str
    organisation: str
    role: str


@dataclass(frozen=True)
class AuditEntry:
    actor: Actor
    action: AuditAction
    outcome: AuditOutcome
    purpose: Purpose
    occurred_at: datetime
    person_id: UUID | None = None
    review_id: UUID | None = None
    responsible_la: str | None = None
    correlation_id: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)
