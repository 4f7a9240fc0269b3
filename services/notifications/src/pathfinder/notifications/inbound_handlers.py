"""Commands for notifications received from NHS bodies, one function each, dependencies by name.

A submission is judged without I/O (the s23 checks), committed with its idempotency keys, and only then handed
to identity: whatever identity does, nothing accepted is lost, and the LA hears of the child (the Received
event) only once identity has named them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from pathfinder.contracts.fhir import EarlyYearsNotificationSubmission
from pathfinder.notifications.adapters.inbound_repository import InboundRepository
from pathfinder.notifications.domain.identity_client import IdentityClient, IdentityUnavailable
from pathfinder.notifications.domain.inbound_notification import (
    InboundNotification,
    InboundStatus,
    SubmissionFormat,
)
from pathfinder.notifications.domain.statutory_checks import Section23Facts, section_23_breaches
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from sqlalchemy.exc import IntegrityError

ENGLAND = ZoneInfo("Europe/London")
CLAIM_LEASE = timedelta(minutes=2)
_EVENT_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}")


class PostcodeLookup(Protocol):
    async def responsible_la(self, postcode: str) -> str | None: ...


class DuplicateSubmission(Exception):
    """The idempotency key was used before with a different body."""


@dataclass(frozen=True)
class InboundSubmission:
    submission: EarlyYearsNotificationSubmission
    body_hash: str
    keys: tuple[str, ...]
    submission_format: SubmissionFormat


@dataclass(frozen=True)
class SubmissionResult:
    notification: InboundNotification
    accepted: bool
    replayed: bool = False


def now_utc() -> datetime:
    return datetime.now(UTC)


async def submit_inbound_notification(
    command: InboundSubmission,
    *,
    uow: NotificationsUnitOfWork,
    postcodes: PostcodeLookup,
    identity: IdentityClient | None,
    now: Callable[[], datetime] = now_utc,
) -> SubmissionResult:
    """Record the notification, accepted or rejected with reasons; with ``identity`` given, try to name the
    child at once (bulk backfills leave that to the worker)."""
    prior = await _prior_result(command, uow)
    if prior is not None:
        return prior
    submission = command.submission
    child = submission.child
    responsible_la = submission.responsible_la
    if responsible_la is None and child.postcode is not None:
        responsible_la = await postcodes.responsible_la(child.postcode)
    reasons = section_23_breaches(
        Section23Facts(
            notified_on=submission.sent_at.astimezone(ENGLAND).date(),
            opinion_formed_on=submission.opinion_formed_on,
            parent_informed_on=submission.parent_informed_on,
            discussion_offered_on=submission.discussion_offered_on,
            birth_date=child.birth_date,
            responsible_la=responsible_la,
        )
    )
    received_at = now()
    notification = InboundNotification(
        id=uuid4(),
        notifying_organisation=submission.notifying_organisation,
        message_id=submission.message_id,
        submission_format=command.submission_format,
        received_at=received_at,
        status=InboundStatus.REJECTED if reasons else InboundStatus.AWAITING_IDENTITY,
        opinion_formed_on=submission.opinion_formed_on,
        responsible_la=responsible_la,
        reasons=reasons,
    )
    if not reasons:
        notification.wait_for_identity()
    try:
        async with uow:
            repository = InboundRepository(uow.session)
            await repository.add(notification, None if reasons else child)
            status_code = 422 if reasons else 202
            await repository.add_submission_keys(
                command.keys, command.body_hash, notification.id, status_code, received_at
            )
            await uow.commit()
    except IntegrityError:
        # The same message or request arrived concurrently and won: answer as it was answered.
        prior = await _prior_result(command, uow)
        if prior is None:
            raise
        return prior
    if identity is not None and not reasons:
        notification = await resolve_identity(notification.id, uow=uow, identity=identity, now=now)
    return SubmissionResult(notification, accepted=not reasons)


async def _prior_result(command: InboundSubmission, uow: NotificationsUnitOfWork) -> SubmissionResult | None:
    async with uow:
        repository = InboundRepository(uow.session)
        found = await repository.submission_keys(command.keys)
        if not found:
            return None
        if any(key.body_hash != command.body_hash for key in found):
            raise DuplicateSubmission
        notification = await repository.get(found[0].notification_id)
    if notification is None:
        raise LookupError("an idempotency key names a notification that does not exist")
    return SubmissionResult(notification, accepted=found[0].status_code == 202, replayed=True)


async def resolve_identity(
    notification_id: UUID,
    *,
    uow: NotificationsUnitOfWork,
    identity: IdentityClient,
    now: Callable[[], datetime] = now_utc,
) -> InboundNotification:
    """Ask identity who the child is; once named, the notification is received and its event goes out."""
    async with uow:
        repository = InboundRepository(uow.session)
        notification = await repository.get(notification_id)
        child = await repository.pending_child(notification_id)
    if notification is None:
        raise LookupError("no such notification")
    if not notification.awaits_identity or child is None or notification.responsible_la is None:
        return notification
    try:
        found = await identity.match_child(
            child, responsible_la=notification.responsible_la, request_id=f"early-years-notification:{notification.id}"
        )
    except IdentityUnavailable:
        found = None
    async with uow:
        repository = InboundRepository(uow.session)
        current = await repository.get(notification_id, for_update=True)
        if current is None or not current.awaits_identity:
            return current or notification
        if found is None:
            current.identity_unavailable(now())
        elif found.person_id is not None:
            await _named(current, found.person_id, uow)
        elif found.review_id is not None:
            current.held_for_review(found.review_id, now())
        await repository.save(current)
        await uow.commit()
    return current


async def resolve_waiting_notifications(
    *,
    uow: NotificationsUnitOfWork,
    identity: IdentityClient,
    now: Callable[[], datetime] = now_utc,
    limit: int = 50,
) -> int:
    """One step of the identity retry timer: claim the notifications due for another try and try each."""
    async with uow:
        claimed = await InboundRepository(uow.session).claim_awaiting_identity(now(), limit=limit, lease=CLAIM_LEASE)
        await uow.commit()
    for notification_id in claimed:
        await resolve_identity(notification_id, uow=uow, identity=identity, now=now)
    return len(claimed)


async def release_reviewed_notifications(review_id: UUID, person_id: UUID, *, uow: NotificationsUnitOfWork) -> int:
    """A person decided the possible match a notification was held for: the child is named and the LA is told.
    Runs in the caller's transaction (the consumer's, with its inbox row); how many were released."""
    repository = InboundRepository(uow.session)
    held = await repository.held_for_review(review_id)
    for notification in held:
        await _named(notification, person_id, uow)
        await repository.save(notification)
    return len(held)


async def _named(notification: InboundNotification, person_id: UUID, uow: NotificationsUnitOfWork) -> None:
    message_id = notification.message_id or ""
    source = message_id if _EVENT_REFERENCE.fullmatch(message_id) else None
    await uow.notifications.add(notification.resolved(person_id, source_message_id=source))
