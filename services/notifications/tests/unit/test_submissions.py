"""Submitting, identifying and following up a notification, as use cases on fakes: no server, no network."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import uuid4

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes, FakeStore
from notifications_kit.messages import child, submission
from pathfinder.auth import AccessDenied
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.notifications import (
    EarlyYearsNotificationAcknowledgedByLa,
    EarlyYearsNotificationAcknowledgementOverdue,
    NotificationRejectionReason,
)
from pathfinder.notifications.domain.early_years_notification import AcknowledgedOtherwise, NotificationStatus
from pathfinder.notifications.service_layer.acknowledgements import (
    acknowledge_notification,
    raise_overdue_acknowledgements,
)
from pathfinder.notifications.service_layer.child_identification import ask_identity_again, release_after_review
from pathfinder.notifications.service_layer.submissions import (
    DuplicateSubmission,
    Submission,
    SubmissionResult,
    submit_early_years_notification,
)

NOW = datetime(2026, 11, 23, 11, tzinfo=UTC)


def sent(body_hash: str = "hash-1", keys: tuple[str, ...] = (), **changes: object) -> Submission:
    notification = submission(**changes)
    return Submission(
        notification=notification,
        body_hash=body_hash,
        keys=keys or (f"message:RR8:{notification.message_id}",),
        submission_format="fhir-message",
    )


async def submit(
    store: FakeStore, identity: FakeIdentity | None, given: Submission, now: datetime = NOW
) -> SubmissionResult:
    """Submitted, then (with ``identity``) the worker's step that its commit wakes: identity asked, in a batch."""
    result = await submit_early_years_notification(
        given, uow=store.unit_of_work(), postcodes=FakePostcodes(), now=lambda: now
    )
    if identity is not None:
        await ask_identity_again(
            uow=store.unit_of_work(), identity=identity, postcodes=FakePostcodes(), now=lambda: now
        )
    stored = store.notifications[result.notification.id]
    return replace(result, notification=stored, accepted=stored.accepted)


async def test_an_accepted_notification_is_named_and_the_la_told_once() -> None:
    store, identity = FakeStore(), FakeIdentity()
    given = sent()
    result = await submit(store, identity, given)
    assert result.accepted and not result.replayed
    assert result.notification.status is NotificationStatus.RECEIVED
    [event] = store.events_of(EarlyYearsNotificationReceived)
    assert event.person_id == identity.person_id  # type: ignore[attr-defined]
    again = await submit(store, identity, given)
    assert again.replayed and again.notification.id == result.notification.id
    assert len(store.events_of(EarlyYearsNotificationReceived)) == 1, "a retried submission raises nothing new"
    with pytest.raises(DuplicateSubmission):
        await submit(store, identity, sent(body_hash="another body", keys=given.keys))


async def test_a_breach_is_recorded_as_rejected_and_never_reaches_identity_or_the_la() -> None:
    store, identity = FakeStore(), FakeIdentity()
    result = await submit(store, identity, sent(parent_informed_on=None))
    assert not result.accepted
    assert result.notification.status is NotificationStatus.REJECTED
    assert identity.calls == [] and store.events == []
    assert store.notifications[result.notification.id].reasons, "kept, with its reasons, for the sender's status"


async def test_the_responsible_la_comes_from_the_postcode_when_not_named() -> None:
    store = FakeStore()
    result = await submit(store, FakeIdentity(), sent(responsible_la=None, child=child(postcode="TS24 7AA")))
    assert result.notification.responsible_la == "805"
    unknown = await submit(store, FakeIdentity(), sent(responsible_la=None, child=child(postcode="ZZ9 9ZZ")))
    assert not unknown.accepted


async def test_identity_is_given_the_la_of_the_childs_postcode_beside_the_la_named() -> None:
    store, identity = FakeStore(), FakeIdentity(answer="review")
    named_805 = await submit(store, identity, sent(responsible_la="805", child=child(postcode="DL1 4AB")))
    unknown_postcode = await submit(store, identity, sent(responsible_la="841", child=child(postcode="ZZ9 9ZZ")))
    assert identity.postcode_las == ["841", None], "the postcode's LA (841), not the one named; nothing if unknown"
    held = named_805.notification
    assert (held.status, held.responsible_la, held.person_id) == (
        NotificationStatus.AWAITING_IDENTITY_REVIEW,
        "805",
        None,
    )
    assert unknown_postcode.notification.status is NotificationStatus.AWAITING_IDENTITY_REVIEW
    assert store.events_of(EarlyYearsNotificationReceived) == [], "no LA hears of a child held for review"


async def test_a_retry_after_identity_was_away_carries_the_postcodes_la_too() -> None:
    store, identity = FakeStore(), FakeIdentity(answer="down")
    result = await submit(store, identity, sent(responsible_la="805", child=child(postcode="DL1 4AB")))
    identity.answer = "review"
    later = NOW + timedelta(hours=1)
    assert (
        await ask_identity_again(
            uow=store.unit_of_work(), identity=identity, postcodes=FakePostcodes(), now=lambda: later
        )
        == 1
    )
    assert identity.postcode_las == ["841", "841"]
    assert store.notifications[result.notification.id].status is NotificationStatus.AWAITING_IDENTITY_REVIEW


async def test_the_dates_are_judged_on_the_england_calendar() -> None:
    # 23:30 UTC on 31 May is already 1 June in London (BST): an opinion formed on 1 June is not after the sending.
    result = await submit(
        FakeStore(),
        FakeIdentity(),
        sent(
            opinion_formed_on=date(2026, 6, 1),
            parent_informed_on=date(2026, 6, 1),
            discussion_offered_on=date(2026, 6, 1),
            sent_at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC),
        ),
    )
    assert result.accepted
    assert result.notification.timeliness is not None and result.notification.timeliness.notified_on == date(2026, 6, 1)


async def test_identity_away_then_back_names_the_child_with_the_same_request() -> None:
    store, identity = FakeStore(), FakeIdentity(answer="down")
    result = await submit(store, identity, sent())
    assert result.notification.status is NotificationStatus.AWAITING_IDENTITY
    retry = partial(ask_identity_again, identity=identity, postcodes=FakePostcodes())
    assert await retry(uow=store.unit_of_work(), now=lambda: NOW) == 0, "not due"
    identity.answer = "match"
    later = NOW + timedelta(hours=1)
    assert await retry(uow=store.unit_of_work(), now=lambda: later) == 1
    assert store.notifications[result.notification.id].status is NotificationStatus.RECEIVED
    assert len(set(identity.calls)) == 1 and len(identity.calls) == 2


async def test_a_held_notification_is_released_by_the_review_decision_once() -> None:
    store, identity = FakeStore(), FakeIdentity(answer="review")
    result = await submit(store, identity, sent())
    assert result.notification.status is NotificationStatus.AWAITING_IDENTITY_REVIEW
    decided = uuid4()
    for _ in range(2):
        async with store.unit_of_work() as uow:
            await release_after_review(identity.review_id, decided, "841", uow=uow)
            await uow.commit()
    [event] = store.events_of(EarlyYearsNotificationReceived)
    assert event.person_id == decided  # type: ignore[attr-defined]


async def test_only_the_responsible_la_acknowledges_once_and_a_late_one_still_counts() -> None:
    store = FakeStore()
    notification = (await submit(store, FakeIdentity(), sent())).notification
    async with store.unit_of_work() as uow:
        found = await uow.notifications.get(notification.id)
        assert found is not None
        found.delivered(uuid4(), "kafka", NOW)
        await uow.notifications.save(found)
        await uow.commit()
    due_after = timedelta(days=5)
    assert await raise_overdue_acknowledgements(uow=store.unit_of_work(), due_after=due_after, now=lambda: NOW) == 0
    overdue = NOW + due_after
    assert await raise_overdue_acknowledgements(uow=store.unit_of_work(), due_after=due_after, now=lambda: overdue) == 1
    assert await raise_overdue_acknowledgements(uow=store.unit_of_work(), due_after=due_after, now=lambda: overdue) == 0
    assert len(store.events_of(EarlyYearsNotificationAcknowledgementOverdue)) == 1

    with pytest.raises(AccessDenied):
        await acknowledge_notification(notification.id, "X", by_la="805", uow=store.unit_of_work())
    with pytest.raises(AccessDenied):
        await acknowledge_notification(notification.id, "X", by_la=None, uow=store.unit_of_work())
    first = await acknowledge_notification(notification.id, "DAR-1", by_la="841", uow=store.unit_of_work())
    again = await acknowledge_notification(notification.id, None, by_la="841", uow=store.unit_of_work())
    assert first is not None and first.new and again is not None and not again.new
    assert again.la_reference == "DAR-1"
    with pytest.raises(AcknowledgedOtherwise, match="DAR-1"):
        await acknowledge_notification(notification.id, "DAR-2", by_la="841", uow=store.unit_of_work())
    assert len(store.events_of(EarlyYearsNotificationAcknowledgedByLa)) == 1
    assert await acknowledge_notification(uuid4(), None, by_la="841", uow=store.unit_of_work()) is None


async def test_identity_decides_the_la_a_notification_goes_to_whatever_the_sender_named() -> None:
    store, identity = FakeStore(), FakeIdentity(holds_under="841")
    result = await submit(store, identity, sent(responsible_la="805"))
    notification = store.notifications[result.notification.id]
    assert (notification.responsible_la, notification.named_la, notification.sent_elsewhere) == ("841", "805", True)
    [event] = store.events_of(EarlyYearsNotificationReceived)
    assert event.responsible_la == "841", "only the LA identity holds the child under hears of it"  # type: ignore[attr-defined]


async def test_a_notification_naming_an_unregistered_la_is_rejected_and_reaches_no_la() -> None:
    store = FakeStore()
    result = await submit(store, FakeIdentity(answer="unregistered-la"), sent(responsible_la="999"))
    assert not result.accepted
    stored = store.notifications[result.notification.id]
    assert (stored.status, stored.reasons, stored.child) == (
        NotificationStatus.REJECTED,
        (NotificationRejectionReason.RESPONSIBLE_LA_UNKNOWN,),
        None,
    )
    assert store.events == []


async def test_a_review_decided_by_the_holding_la_releases_the_notification_to_that_la() -> None:
    store, identity = FakeStore(), FakeIdentity(answer="review")
    await submit(store, identity, sent(responsible_la="805"))
    async with store.unit_of_work() as uow:
        assert await release_after_review(identity.review_id, uuid4(), "841", uow=uow) == 1
        await uow.commit()
    [event] = store.events_of(EarlyYearsNotificationReceived)
    assert event.responsible_la == "841"  # type: ignore[attr-defined]
