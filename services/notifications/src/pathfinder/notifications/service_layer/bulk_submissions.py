"""Bulk submissions (backfills) stored in batches: every entry judged without I/O, then a batch of entries kept in
one transaction — their idempotency keys, the new notifications in one statement, their events in the outbox —
with each entry's answer as :func:`~.submissions.submit_early_years_notification` would give it alone.

An entry whose keys were taken before the batch is answered as the first time, or refused as a duplicate if its
body differs; one repeating a key of an earlier entry of the same request, or meeting a submission that commits
while its batch is stored, goes the single way, which answers it the same. Identity names bulk children later,
from the worker's timer, whose first try is due at once (``EarlyYearsNotification.submit``): no request asks
identity about them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification
from pathfinder.notifications.service_layer.ports import PostcodeLookup
from pathfinder.notifications.service_layer.submissions import (
    ACCEPTED,
    REJECTED,
    DuplicateSubmission,
    Submission,
    SubmissionResult,
    now_utc,
    submit_early_years_notification,
    submitted_notification,
)
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork, SubmissionKey

BATCH_SIZE = 500
Outcome = SubmissionResult | DuplicateSubmission


async def submit_early_years_notifications(
    submissions: Sequence[Submission],
    *,
    uow: NotificationsUnitOfWork,
    postcodes: PostcodeLookup,
    now: Callable[[], datetime] = now_utc,
    batch_size: int | None = None,
) -> list[Outcome]:
    """Each submission's outcome, in order: its result, or DuplicateSubmission for a used key with another body.
    A batch that fails to commit stores nothing of itself; the batches before it stay stored."""
    size = batch_size or BATCH_SIZE
    outcomes: list[Outcome] = []
    for start in range(0, len(submissions), size):
        outcomes.extend(await _submit_batch(submissions[start : start + size], uow, postcodes, now))
    return outcomes


async def _submit_batch(
    batch: Sequence[Submission], uow: NotificationsUnitOfWork, postcodes: PostcodeLookup, now: Callable[[], datetime]
) -> list[Outcome]:
    unnamed = {s.notification.child.postcode for s in batch if s.notification.responsible_la is None}
    postcode_las = await postcodes.responsible_las(postcode for postcode in unnamed if postcode is not None)
    received_at = now()
    alone: list[int] = []  # repeat a key of an earlier entry: answered the single way, after the batch
    taken_here: set[str] = set()
    entries: list[tuple[int, Submission, EarlyYearsNotification]] = []
    for index, submission in enumerate(batch):
        if taken_here.intersection(submission.keys):
            alone.append(index)
            continue
        taken_here.update(submission.keys)
        entries.append((index, submission, _judged(submission, postcode_las, received_at)))
    async with uow:
        found = {key.key: key for key in await uow.notifications.submission_keys(sorted(taken_here))}
        fresh = [entry for entry in entries if not found.keys() & set(entry[1].keys)]
        keys = [
            SubmissionKey(key, submission.body_hash, notification.id, _status_code(notification))
            for _, submission, notification in fresh
            for key in submission.keys
        ]
        raced = not await uow.notifications.add_submission_keys(keys, received_at)
        if raced:
            await uow.rollback()
        else:
            await uow.notifications.add_many([notification for _, _, notification in fresh])
            await uow.commit()
    if raced:
        # A submission committed meanwhile took one of the keys: each entry goes the single way instead.
        return [await _alone(submission, uow, postcodes, now) for submission in batch]
    outcomes: dict[int, Outcome] = {index: SubmissionResult(n, accepted=n.accepted) for index, _, n in fresh}
    stored = set(outcomes)
    outcomes.update(await _answered_before([entry for entry in entries if entry[0] not in stored], found, uow))
    for index in alone:
        outcomes[index] = await _alone(batch[index], uow, postcodes, now)
    return [outcomes[index] for index in range(len(batch))]


def _judged(
    submission: Submission, postcode_las: dict[str, str | None], received_at: datetime
) -> EarlyYearsNotification:
    sent = submission.notification
    postcode = sent.child.postcode
    responsible_la = sent.responsible_la or (postcode_las.get(postcode) if postcode is not None else None)
    return submitted_notification(submission, responsible_la, received_at)


def _status_code(notification: EarlyYearsNotification) -> int:
    return ACCEPTED if notification.accepted else REJECTED


async def _answered_before(
    entries: Sequence[tuple[int, Submission, EarlyYearsNotification]],
    found: dict[str, SubmissionKey],
    uow: NotificationsUnitOfWork,
) -> dict[int, Outcome]:
    """Entries whose keys were taken before their batch: the first answer again, read in one transaction."""
    if not entries:
        return {}
    firsts = {index: [found[key] for key in submission.keys if key in found] for index, submission, _ in entries}
    async with uow:
        stored = await uow.notifications.get_many(sorted({keys[0].notification_id for keys in firsts.values()}))
    by_id = {notification.id: notification for notification in stored}
    outcomes: dict[int, Outcome] = {}
    for index, submission, _ in entries:
        keys = firsts[index]
        if any(key.body_hash != submission.body_hash for key in keys):
            outcomes[index] = DuplicateSubmission()
            continue
        notification = by_id.get(keys[0].notification_id)
        if notification is None:
            raise LookupError("an idempotency key names a notification that does not exist")
        outcomes[index] = SubmissionResult(notification, accepted=keys[0].status_code == ACCEPTED, replayed=True)
    return outcomes


async def _alone(
    submission: Submission, uow: NotificationsUnitOfWork, postcodes: PostcodeLookup, now: Callable[[], datetime]
) -> Outcome:
    try:
        return await submit_early_years_notification(submission, uow=uow, postcodes=postcodes, now=now)
    except DuplicateSubmission as duplicate:
        return duplicate
