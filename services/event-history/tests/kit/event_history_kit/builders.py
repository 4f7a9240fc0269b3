"""Records as the platform's relay writes them (CloudEvents headers, JSON value), and the callers of the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.assessment import EHCP_TOPIC
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationReceived,
    EarlyYearsNotificationRejected,
    NotificationRejectionReason,
)
from pathfinder.event_history.domain.archived_event import ArchivedEvent, RawRecord, archived
from pathfinder.messaging.envelope import EventEnvelope

LIFECYCLE = EHCP_TOPIC
REQUESTED = "pathfinder.ehcp.assessment-requested.v1"
DECIDED = "pathfinder.ehcp.assessment-decision-made.v1"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def engineer() -> Principal:
    return principal(OrganisationRole.PLATFORM, "pathfinder", Scope.EVENTS_ENGINEER)


def la_engineer(la: str = "841") -> Principal:
    return principal(OrganisationRole.LOCAL_AUTHORITY, la, Scope.EVENTS_REPLAY)


def headers_of(
    *, event_type: str = REQUESTED, person: UUID | None = None, la: str | None = "841", correlation: str = "corr-1",
    at: datetime = T0, event_id: UUID | None = None, subject: str | None = None,
) -> list[tuple[str, bytes]]:  # fmt: skip
    """The CloudEvents headers the relay writes for an event of ``event_type``."""
    envelope = EventEnvelope(
        id=event_id or uuid4(), source="/pathfinder/ehcp", type=event_type, time=at,
        subject=subject or str(person or uuid4()), la_code=la, correlation_id=correlation, data=b"{}",
    )  # fmt: skip
    return envelope.to_headers()


def record(
    *, topic: str = LIFECYCLE, offset: int = 0, partition: int = 0, at: datetime = T0,
    headers: Sequence[tuple[str, bytes]] | None = None, value: bytes | None = b'{"step": 1}', **fields: object,
) -> RawRecord:  # fmt: skip
    found = list(headers) if headers is not None else headers_of(at=at, **fields)  # type: ignore[arg-type]
    key = next((value for name, value in found if name == "ce_subject"), None)
    return RawRecord(topic, partition, offset, int(at.timestamp() * 1000), key, tuple(found), value)


def kept(position: int | None = None, **fields: object) -> ArchivedEvent:
    """An event as the archive keeps it (``fields`` as for :func:`record`)."""
    event = archived(record(**fields), fallback_id=uuid4(), problem=None)  # type: ignore[arg-type]
    return replace(event, position=position) if position is not None else event


def dead_letter_of(original: ArchivedEvent, *, group: str = "ehcp.early-years-intake", offset: int = 0) -> RawRecord:
    """The record a consumer group dead-letters ``original`` as: its headers with the dead-letter ones beside."""
    details = {"original_topic": original.topic, "original_event_id": str(original.event_id), "consumer_group": group,
               "reason": "handler-failed", "error": "RuntimeError: boom", "attempts": "5"}  # fmt: skip
    headers = [*original.headers, *((f"pathfinder_dlt_{name}", value.encode()) for name, value in details.items())]
    at = int(original.record_time.timestamp() * 1000) + 1000
    return RawRecord(f"{group}.dead-letter", 0, offset, at, original.key, tuple(headers), original.payload)


def received(person_id: UUID | None = None, la: str = "841") -> EarlyYearsNotificationReceived:
    return EarlyYearsNotificationReceived(
        person_id=person_id or uuid4(), responsible_la=la, notification_id=uuid4(), notifying_organisation="RR8",
        opinion_formed_on=date(2026, 11, 2), submission_format="json", source_message_id=None,
        received_at=datetime.now(UTC),
    )  # fmt: skip


def rejected() -> EarlyYearsNotificationRejected:
    reasons = [NotificationRejectionReason.PARENT_NOT_INFORMED]
    return EarlyYearsNotificationRejected(
        notification_id=uuid4(), notifying_organisation="RR8", rejected_at=datetime.now(UTC), reasons=reasons
    )
