"""Storing notifications received from NHS bodies, and the keys that make their submission idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.adapters.inbound_tables import inbound_notification as table
from pathfinder.notifications.adapters.inbound_tables import inbound_submission_key as keys
from pathfinder.notifications.domain.inbound_notification import (
    DeliveryChannel,
    InboundNotification,
    InboundStatus,
    SubmissionFormat,
)
from sqlalchemy import Row, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

_MUTABLE = (
    "status",
    "person_id",
    "review_id",
    "identity_attempts",
    "next_identity_attempt_at",
    "delivered_at",
    "delivery_channel",
    "acknowledged_at",
    "la_reference",
    "acknowledgement_overdue_at",
)
_AWAITING_IDENTITY = (InboundStatus.AWAITING_IDENTITY.value, InboundStatus.AWAITING_IDENTITY_REVIEW.value)


@dataclass(frozen=True)
class SubmissionKey:
    key: str
    body_hash: str
    notification_id: UUID
    status_code: int


class InboundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notification: InboundNotification, child: ChildDemographics | None = None) -> None:
        values = {name: getattr(notification, name) for name in (*_MUTABLE, "id", "notifying_organisation")}
        values.update(
            message_id=notification.message_id,
            submission_format=notification.submission_format,
            opinion_formed_on=notification.opinion_formed_on,
            received_at=notification.received_at,
            responsible_la=notification.responsible_la,
            reasons=[reason.value for reason in notification.reasons],
            status=notification.status.value,
            pending_child=child.model_dump(mode="json") if child is not None else None,
        )
        await self._session.execute(insert(table).values(**values))

    async def get(self, notification_id: UUID, *, for_update: bool = False) -> InboundNotification | None:
        query = select(table).where(table.c.id == notification_id)
        row = (await self._session.execute(query.with_for_update() if for_update else query)).one_or_none()
        return None if row is None else _notification(row)

    async def pending_child(self, notification_id: UUID) -> ChildDemographics | None:
        query = select(table.c.pending_child).where(table.c.id == notification_id)
        found = (await self._session.execute(query)).scalar_one_or_none()
        return None if found is None else ChildDemographics.model_validate(found)

    async def save(self, notification: InboundNotification) -> None:
        values: dict[str, Any] = {name: getattr(notification, name) for name in _MUTABLE}
        values["status"] = notification.status.value
        if not notification.awaits_identity:
            values["pending_child"] = None
        await self._session.execute(update(table).where(table.c.id == notification.id).values(**values))

    async def claim_awaiting_identity(self, now: datetime, *, limit: int, lease: timedelta) -> list[UUID]:
        """Ids due for another try, pushed ``lease`` ahead so that other workers leave them alone meanwhile."""
        due = (
            select(table.c.id)
            .where(table.c.status.in_(_AWAITING_IDENTITY), table.c.next_identity_attempt_at <= now)
            .order_by(table.c.next_identity_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = list((await self._session.execute(due)).scalars())
        if claimed:
            lease_until = update(table).where(table.c.id.in_(claimed)).values(next_identity_attempt_at=now + lease)
            await self._session.execute(lease_until)
        return claimed

    async def held_for_review(self, review_id: UUID) -> list[InboundNotification]:
        query = select(table).where(
            table.c.review_id == review_id, table.c.status == InboundStatus.AWAITING_IDENTITY_REVIEW.value
        )
        return [_notification(row) for row in (await self._session.execute(query.with_for_update())).all()]

    async def unacknowledged_delivered_before(self, instant: datetime, *, limit: int) -> list[InboundNotification]:
        """Delivered no later than ``instant`` and not acknowledged, locked; those other workers hold are skipped."""
        query = (
            select(table)
            .where(table.c.status == InboundStatus.DELIVERED.value, table.c.delivered_at <= instant)
            .order_by(table.c.delivered_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_notification(row) for row in (await self._session.execute(query)).all()]

    async def sent_by(
        self,
        notifying_organisation: str,
        *,
        status: InboundStatus | None,
        older_than: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[InboundNotification]:
        """Newest first; ``older_than`` is the (received_at, id) of the last one already seen."""
        query = select(table).where(table.c.notifying_organisation == notifying_organisation)
        if status is not None:
            query = query.where(table.c.status == status.value)
        if older_than is not None:
            query = query.where(tuple_(table.c.received_at, table.c.id) < tuple_(*older_than))
        query = query.order_by(table.c.received_at.desc(), table.c.id.desc()).limit(limit)
        return [_notification(row) for row in (await self._session.execute(query)).all()]

    async def submission_keys(self, candidates: tuple[str, ...]) -> list[SubmissionKey]:
        rows = (await self._session.execute(select(keys).where(keys.c.key.in_(candidates)))).all()
        return [SubmissionKey(row.key, row.body_hash, row.notification_id, row.status_code) for row in rows]

    async def add_submission_keys(
        self, candidates: tuple[str, ...], body_hash: str, notification_id: UUID, status_code: int, at: datetime
    ) -> None:
        if candidates:
            rows = [
                {"key": key, "body_hash": body_hash, "notification_id": notification_id, "status_code": status_code}
                for key in candidates
            ]
            await self._session.execute(insert(keys).values(created_at=at), rows)


def _notification(row: Row[Any]) -> InboundNotification:
    return InboundNotification(
        id=row.id,
        notifying_organisation=row.notifying_organisation,
        message_id=row.message_id,
        submission_format=cast(SubmissionFormat, row.submission_format),
        received_at=row.received_at,
        status=InboundStatus(row.status),
        opinion_formed_on=row.opinion_formed_on,
        responsible_la=row.responsible_la,
        reasons=tuple(NotificationRejectionReason(reason) for reason in row.reasons),
        person_id=row.person_id,
        review_id=row.review_id,
        identity_attempts=row.identity_attempts,
        next_identity_attempt_at=row.next_identity_attempt_at,
        delivered_at=row.delivered_at,
        delivery_channel=cast(DeliveryChannel | None, row.delivery_channel),
        acknowledged_at=row.acknowledged_at,
        la_reference=row.la_reference,
        acknowledgement_overdue_at=row.acknowledgement_overdue_at,
    )
