"""Identity names the child a notification is about: asked by the worker in batches as soon as notifications are
committed, again while identity is away (or a review is pending), and at once when identity announces a person's
decision on a review.

Identity owns the child's responsible LA (docs/decisions/0007-responsible-la.md). Each request carries, besides
the LA the notification names, the LA of the child's postcode as evidence: for a child new to identity's index
the two must agree, or the notification is held (``awaiting-identity-review``) until the platform decides."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.messaging.faults import fault_point
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification
from pathfinder.notifications.service_layer.ports import (
    ChildIdentity,
    ChildToIdentify,
    IdentityClient,
    IdentityUnavailable,
    PostcodeLookup,
)
from pathfinder.notifications.service_layer.unit_of_work import ChildDetailsUnreadable, NotificationsUnitOfWork

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=2)


def _now() -> datetime:
    return datetime.now(UTC)


def identity_request_id(notification_id: UUID) -> str:
    """Stable for a notification, so identity answers a retry (or a decided review) for the same request."""
    return f"early-years-notification:{notification_id}"


def _apply(current: EarlyYearsNotification, found: ChildIdentity | None, at: datetime) -> None:
    """Identity's answer (None: none now) to a notification still waiting for it."""
    if found is None:
        current.identity_unavailable(at)
    elif found.refused is not None:
        current.refused_by_identity(found.refused)
    elif found.person_id is not None:
        # An identity answering without the LA (an older version) leaves the named one.
        responsible_la = found.responsible_la or current.responsible_la
        assert responsible_la is not None, "an accepted notification has an LA"
        current.child_named(found.person_id, responsible_la)
    elif found.review_id is not None:
        current.held_for_review(found.review_id, at)


async def ask_identity_again(
    *,
    uow: NotificationsUnitOfWork,
    identity: IdentityClient,
    postcodes: PostcodeLookup,
    now: Callable[[], datetime] = _now,
    limit: int = 500,
) -> int:
    """One step of the worker's child identification: claim the notifications due (new ones at once, others for
    another try), ask identity about their children in one batch, and apply the answers in one transaction. A
    crash before that commits leaves them leased, to be claimed again once the lease ends; identity answers the
    same request ids the same, and an answer is applied only to a notification still waiting, so nothing is lost
    or applied twice."""
    async with uow:
        claimed = await uow.notifications.claim_due_for_identity(now(), limit=limit, lease=CLAIM_LEASE)
        if not claimed:
            return 0
        waiting = [n for n in await uow.notifications.get_many(claimed) if n.awaits_identity]
        children = _opened_children(waiting, uow)
        await uow.commit()
    asked = [n for n in waiting if n.id in children]
    if asked:
        answers = await _ask_in_batch(asked, children, identity=identity, postcodes=postcodes)
        fault_point("identity.after_batch_answer")
        await _apply_answers(answers, uow=uow, now=now)
    return len(claimed)


def _opened_children(
    waiting: list[EarlyYearsNotification], uow: NotificationsUnitOfWork
) -> dict[UUID, ChildDemographics]:
    """The details of each waiting child, opened here only: they go to identity, and nowhere else. One whose
    details do not open stays leased and is tried again when the lease ends (once the key it was sealed with is
    set, it goes through); it holds up none of the others."""
    children = {}
    for notification in waiting:
        try:
            child = uow.notifications.child_of(notification)
        except ChildDetailsUnreadable as unreadable:
            log.error("not asking identity, again in %s: %s", CLAIM_LEASE, unreadable)
            continue
        if child is not None:
            children[notification.id] = child
    return children


async def _ask_in_batch(
    notifications: list[EarlyYearsNotification],
    children: dict[UUID, ChildDemographics],
    *,
    identity: IdentityClient,
    postcodes: PostcodeLookup,
) -> dict[UUID, ChildIdentity | None]:
    known = {child.postcode for child in children.values() if child.postcode is not None}
    postcode_las = await postcodes.responsible_las(known)
    requests = []
    for notification in notifications:
        assert notification.responsible_la is not None, "an accepted notification has its responsible LA"
        child = children[notification.id]
        postcode_la = postcode_las.get(child.postcode) if child.postcode is not None else None
        requests.append(
            ChildToIdentify(child, notification.responsible_la, identity_request_id(notification.id), postcode_la)
        )
    try:
        answers = await identity.match_children(requests)
    except IdentityUnavailable:
        answers = [None] * len(requests)
    return {notification.id: answer for notification, answer in zip(notifications, answers, strict=True)}


async def _apply_answers(
    answers: dict[UUID, ChildIdentity | None], *, uow: NotificationsUnitOfWork, now: Callable[[], datetime]
) -> None:
    async with uow:
        answered = [n for n in await uow.notifications.get_many(sorted(answers), lock=True) if n.awaits_identity]
        for current in answered:
            with uow.notifications.continuing_request(current):
                _apply(current, answers[current.id], now())
                await uow.flush()  # its event staged in the submitting request's trace
        await uow.notifications.save_many(answered)
        await uow.commit()


async def release_after_review(
    review_id: UUID, person_id: UUID, responsible_la: str, *, uow: NotificationsUnitOfWork
) -> int:
    """A person decided the possible match notifications were held for: the child is named, with the LA identity
    holds the child under, and that LA is told. Runs in the caller's transaction (the consumer's, with its inbox
    row); how many were released."""
    held = await uow.notifications.held_for_review(review_id)
    for notification in held:
        notification.child_named(person_id, responsible_la)
        await uow.notifications.save(notification)
    return len(held)
