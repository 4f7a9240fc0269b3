"""Storing early-years notifications, one row each for their whole lifecycle, and the keys that make their
submission idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import NotificationRejectionReason
from pathfinder.notifications.adapters.pending_child_sealing import PendingChildSealing
from pathfinder.notifications.adapters.tables import early_years_notification as table
from pathfinder.notifications.adapters.tables import submission_key as keys
from pathfinder.notifications.domain.early_years_notification import (
    AWAITING_IDENTITY,
    DeliveryChannel,
    EarlyYearsNotification,
    NotificationStatus,
    SubmissionFormat,
)
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.notifications.domain.section_23 import Timeliness
from pathfinder.notifications.service_layer.unit_of_work import ChildDetailsUnreadable, SubmissionKey
from pathfinder.persistence.sealing import SealingError
from pathfinder.telemetry import carried_context, continuing
from sqlalchemy import ARRAY, Row, Select, any_, bindparam, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

_AWAITING_IDENTITY = tuple(status.value for status in AWAITING_IDENTITY)
_SAVED = update(table).where(table.c.id == bindparam("saved_id"))


def _any_id(ids: Sequence[UUID]) -> Any:
    """``id = ANY($1)``: one statement text whatever the number of ids, so the driver prepares it once (an
    ``IN`` list is a new statement, prepared again, for every length)."""
    return table.c.id == any_(bindparam("ids", list(ids), type_=ARRAY(PG_UUID(as_uuid=True))))


class SqlEarlyYearsNotifications:
    """``children`` seals a waiting child's details as they are stored and opens them to ask identity again;
    reading anything else needs no key."""

    def __init__(self, session: AsyncSession, children: PendingChildSealing | None = None) -> None:
        self._session = session
        self._children = children
        self._request_contexts: dict[UUID, dict[str, str] | None] = {}
        self.seen: list[EarlyYearsNotification] = []

    async def add(self, notification: EarlyYearsNotification) -> None:
        await self.add_many([notification])

    async def add_many(self, notifications: Sequence[EarlyYearsNotification]) -> None:
        if not notifications:
            return
        # Whoever stores them (a request, the MESH collector) is the trace the worker's answer continues.
        submitted_in = carried_context()
        rows = [
            {"id": notification.id, "request_context": submitted_in, **self._values(notification)}
            for notification in notifications
        ]
        await self._session.execute(insert(table), rows)
        self.seen.extend(notifications)

    def continuing_request(self, notification: EarlyYearsNotification) -> AbstractContextManager[None]:
        return continuing(self._request_contexts.get(notification.id), "identify the child")

    async def get_many(self, notification_ids: Sequence[UUID], *, lock: bool = False) -> list[EarlyYearsNotification]:
        query = select(table).where(_any_id(notification_ids))
        return await self._load(query.order_by(table.c.id).with_for_update() if lock else query)

    async def get(self, notification_id: UUID, *, lock: bool = False) -> EarlyYearsNotification | None:
        query = select(table).where(table.c.id == notification_id)
        found = await self._load(query.with_for_update() if lock else query)
        return found[0] if found else None

    async def save(self, notification: EarlyYearsNotification) -> None:
        await self._session.execute(
            update(table).where(table.c.id == notification.id).values(**self._values(notification))
        )

    async def save_many(self, notifications: Sequence[EarlyYearsNotification]) -> None:
        """One statement, executed for every row in one round trip."""
        if notifications:
            rows = [{"saved_id": notification.id, **self._values(notification)} for notification in notifications]
            await self._session.execute(_SAVED, rows)

    def child_of(self, notification: EarlyYearsNotification) -> ChildDemographics | None:
        if notification.child is None:
            return None
        try:
            return self._sealing("open a waiting child's details").open(notification.id, notification.child)
        except SealingError as unreadable:
            raise ChildDetailsUnreadable(str(unreadable)) from unreadable

    async def claim_due_for_identity(self, now: datetime, *, limit: int, lease: timedelta) -> list[UUID]:
        due = (
            select(table.c.id)
            .where(table.c.status.in_(_AWAITING_IDENTITY), table.c.next_identity_attempt_at <= now)
            .order_by(table.c.next_identity_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = list((await self._session.execute(due)).scalars())
        if claimed:
            lease_until = update(table).where(_any_id(claimed)).values(next_identity_attempt_at=now + lease)
            await self._session.execute(lease_until)
        return claimed

    async def held_for_review(self, review_id: UUID) -> list[EarlyYearsNotification]:
        query = select(table).where(
            table.c.review_id == review_id, table.c.status == NotificationStatus.AWAITING_IDENTITY_REVIEW.value
        )
        return await self._load(query.with_for_update())

    async def delivered_unacknowledged(self, delivered_by: datetime, *, limit: int) -> list[EarlyYearsNotification]:
        query = (
            select(table)
            .where(table.c.status == NotificationStatus.DELIVERED.value, table.c.delivered_at <= delivered_by)
            .order_by(table.c.delivered_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return await self._load(query)

    async def sent_by(
        self,
        notifying_organisation: str,
        *,
        status: NotificationStatus | None,
        older_than: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[EarlyYearsNotification]:
        query = select(table).where(table.c.notifying_organisation == notifying_organisation)
        if status is not None:
            query = query.where(table.c.status == status.value)
        if older_than is not None:
            query = query.where(tuple_(table.c.received_at, table.c.id) < tuple_(*older_than))
        return await self._load(query.order_by(table.c.received_at.desc(), table.c.id.desc()).limit(limit))

    async def held_naming(
        self, la_code: str, *, older_than: tuple[datetime, UUID] | None, limit: int
    ) -> list[EarlyYearsNotification]:
        query = select(table).where(table.c.named_la == la_code, table.c.status.in_(_AWAITING_IDENTITY))
        if older_than is not None:
            query = query.where(tuple_(table.c.received_at, table.c.id) < tuple_(*older_than))
        return await self._load(query.order_by(table.c.received_at.desc(), table.c.id.desc()).limit(limit))

    async def submission_keys(self, candidates: Sequence[str]) -> list[SubmissionKey]:
        rows = (await self._session.execute(select(keys).where(keys.c.key.in_(candidates)))).all()
        return [SubmissionKey(row.key, row.body_hash, row.notification_id, row.status_code) for row in rows]

    async def add_submission_keys(self, candidates: Sequence[SubmissionKey], at: datetime) -> bool:
        if not candidates:
            return True
        rows = [
            {
                "key": key.key,
                "body_hash": key.body_hash,
                "notification_id": key.notification_id,
                "status_code": key.status_code,
                "created_at": at,
            }
            for key in candidates
        ]
        statement = pg_insert(keys).values(rows).on_conflict_do_nothing().returning(keys.c.key)
        stored = list((await self._session.execute(statement)).scalars())
        return len(stored) == len(candidates)

    async def _load(self, query: Select[Any]) -> list[EarlyYearsNotification]:
        rows = (await self._session.execute(query)).all()
        self._request_contexts.update((row.id, row.request_context) for row in rows)
        found = [_notification(row) for row in rows]
        self.seen.extend(found)
        return found

    def _sealing(self, doing: str) -> PendingChildSealing:
        if self._children is None:
            raise RuntimeError(f"to {doing}, the notifications repository needs the service's PendingChildSealing")
        return self._children

    def _values(self, notification: EarlyYearsNotification) -> dict[str, Any]:
        child = notification.child
        if isinstance(child, ChildDemographics):
            child = self._sealing("store a waiting child's details").seal(notification.id, child)
        return {
            **_values(notification),
            "sealed_pending_child": child.value if child is not None else None,
            "pending_child_key_id": child.key_id if child is not None else None,
        }


def _values(notification: EarlyYearsNotification) -> dict[str, Any]:
    timeliness = notification.timeliness
    return {
        "notifying_organisation": notification.notifying_organisation,
        "message_id": notification.message_id,
        "submission_format": notification.submission_format,
        "status": notification.status.value,
        "opinion_formed_on": notification.opinion_formed_on,
        "received_at": notification.received_at,
        "responsible_la": notification.responsible_la,
        "named_la": notification.named_la,
        "reasons": [reason.value for reason in notification.reasons],
        "notified_on": timeliness.notified_on if timeliness else None,
        "notified_after_compulsory_school_age": timeliness.notified_after_compulsory_school_age if timeliness else None,
        "person_id": notification.person_id,
        "review_id": notification.review_id,
        "identity_attempts": notification.identity_attempts,
        "next_identity_attempt_at": notification.next_identity_attempt_at,
        "delivered_at": notification.delivered_at,
        "delivery_channel": notification.delivery_channel,
        "delivered_on": sorted(notification.delivered_on),
        "acknowledged_at": notification.acknowledged_at,
        "la_reference": notification.la_reference,
        "acknowledgement_overdue_at": notification.acknowledgement_overdue_at,
    }


def _notification(row: Row[Any]) -> EarlyYearsNotification:
    timeliness = None
    if row.notified_on is not None and row.notified_after_compulsory_school_age is not None:
        timeliness = Timeliness(
            notified_on=row.notified_on,
            days_from_opinion=(row.notified_on - row.opinion_formed_on).days,
            notified_after_compulsory_school_age=row.notified_after_compulsory_school_age,
        )
    return EarlyYearsNotification(
        id=row.id,
        notifying_organisation=row.notifying_organisation,
        message_id=row.message_id,
        submission_format=cast(SubmissionFormat, row.submission_format),
        received_at=row.received_at,
        status=NotificationStatus(row.status),
        opinion_formed_on=row.opinion_formed_on,
        responsible_la=row.responsible_la,
        named_la=row.named_la,
        reasons=tuple(NotificationRejectionReason(reason) for reason in row.reasons),
        timeliness=timeliness,
        child=_sealed_child(row),
        person_id=row.person_id,
        review_id=row.review_id,
        identity_attempts=row.identity_attempts,
        next_identity_attempt_at=row.next_identity_attempt_at,
        delivered_at=row.delivered_at,
        delivery_channel=cast(DeliveryChannel | None, row.delivery_channel),
        delivered_on=frozenset(row.delivered_on),
        acknowledged_at=row.acknowledged_at,
        la_reference=row.la_reference,
        acknowledgement_overdue_at=row.acknowledgement_overdue_at,
    )


def _sealed_child(row: Row[Any]) -> Sealed | None:
    """Left sealed: only :meth:`SqlEarlyYearsNotifications.child_of` opens it, to ask identity."""
    if row.sealed_pending_child is None:
        return None
    return Sealed(bytes(row.sealed_pending_child), row.pending_child_key_id)
