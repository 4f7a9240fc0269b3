"""An NHS body submits an s23 notification: judged without I/O and committed with its idempotency keys; that is
all the request waits for. Identity is asked afterwards, by the worker, about every waiting child in one batch
(:func:`.child_identification.ask_identity_again`, woken by the commit). Whatever identity does, nothing accepted
is lost, and the LA hears of the child (the Received event) only once identity has named them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from pathfinder.contracts.fhir import EarlyYearsNotificationSubmission
from pathfinder.notifications.domain.early_years_notification import (
    EarlyYearsNotification,
    NotificationStatus,
    SubmissionFormat,
)
from pathfinder.notifications.domain.section_23 import Section23Facts
from pathfinder.notifications.service_layer.ports import PostcodeLookup
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork, SubmissionKey

ENGLAND = ZoneInfo("Europe/London")
ACCEPTED, REJECTED = 202, 422


class DuplicateSubmission(Exception):
    """The idempotency key was used before with a different body."""


@dataclass(frozen=True)
class Submission:
    """One notification as an NHS body sent it, with what makes its submission idempotent."""

    notification: EarlyYearsNotificationSubmission
    body_hash: str
    keys: tuple[str, ...]
    submission_format: SubmissionFormat


@dataclass(frozen=True)
class SubmissionResult:
    notification: EarlyYearsNotification
    accepted: bool
    replayed: bool = False


def now_utc() -> datetime:
    return datetime.now(UTC)


async def submit_early_years_notification(
    submission: Submission,
    *,
    uow: NotificationsUnitOfWork,
    postcodes: PostcodeLookup,
    now: Callable[[], datetime] = now_utc,
) -> SubmissionResult:
    """Record the notification, accepted (waiting for identity to name the child) or rejected with reasons. The
    child's postcode gives the LA when the message names none.

    A submission seen before is found by its keys, which the new one fails to take: its first answer is given
    again, and nothing is stored twice."""
    sent = submission.notification
    responsible_la = sent.responsible_la
    if responsible_la is None and sent.child.postcode is not None:
        responsible_la = await postcodes.responsible_la(sent.child.postcode)
    received_at = now()
    notification = submitted_notification(submission, responsible_la, received_at)
    status_code = ACCEPTED if notification.accepted else REJECTED
    keys = [SubmissionKey(key, submission.body_hash, notification.id, status_code) for key in submission.keys]
    async with uow:
        # The keys first: a concurrent copy of the same message waits here, then finds them taken.
        if not await uow.notifications.add_submission_keys(keys, received_at):
            await uow.rollback()
            stored = None
        else:
            await uow.notifications.add(notification)
            await uow.commit()
            stored = notification
    if stored is None:
        prior = await _answered_before(submission, uow)
        if prior is None:
            raise LookupError("a submission key was taken, but no submission holds it")
        return prior
    return SubmissionResult(notification, accepted=notification.accepted)


def submitted_notification(
    submission: Submission, responsible_la: str | None, received_at: datetime
) -> EarlyYearsNotification:
    """The notification as submitted, accepted or rejected by the rules of s23 (no I/O): the LA the message
    names, or else ``responsible_la`` (its child's postcode's)."""
    sent = submission.notification
    return EarlyYearsNotification.submit(
        notification_id=uuid4(),
        notifying_organisation=sent.notifying_organisation,
        message_id=sent.message_id,
        submission_format=submission.submission_format,
        facts=Section23Facts(
            notified_on=sent.sent_at.astimezone(ENGLAND).date(),
            opinion_formed_on=sent.opinion_formed_on,
            parent_informed_on=sent.parent_informed_on,
            discussion_offered_on=sent.discussion_offered_on,
            birth_date=sent.child.birth_date,
            responsible_la=responsible_la,
        ),
        child=sent.child,
        received_at=received_at,
    )


async def _answered_before(submission: Submission, uow: NotificationsUnitOfWork) -> SubmissionResult | None:
    async with uow:
        found = await uow.notifications.submission_keys(submission.keys)
        if not found:
            return None
        if any(key.body_hash != submission.body_hash for key in found):
            raise DuplicateSubmission
        notification = await uow.notifications.get(found[0].notification_id)
    if notification is None:
        raise LookupError("an idempotency key names a notification that does not exist")
    return SubmissionResult(notification, accepted=found[0].status_code == ACCEPTED, replayed=True)


async def early_years_notification(
    notification_id: UUID, *, uow: NotificationsUnitOfWork
) -> EarlyYearsNotification | None:
    async with uow:
        return await uow.notifications.get(notification_id)


async def sent_notifications(
    notifying_organisation: str,
    *,
    uow: NotificationsUnitOfWork,
    status: NotificationStatus | None = None,
    older_than: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[EarlyYearsNotification]:
    async with uow:
        return await uow.notifications.sent_by(
            notifying_organisation, status=status, older_than=older_than, limit=limit
        )


async def held_notifications(
    la_code: str,
    *,
    uow: NotificationsUnitOfWork,
    older_than: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[EarlyYearsNotification]:
    """The notifications naming ``la_code`` that identity has still to name the child of, newest first."""
    async with uow:
        return await uow.notifications.held_naming(la_code, older_than=older_than, limit=limit)
