"""The identity timer in batches, on fakes: the due notifications claimed together, identity asked once for them
all, the answers applied each as before; identity away or a crash between its answer and their application
loses nothing and names no child twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes, FakeStore
from notifications_kit.messages import child, submission
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.notifications.service_layer import child_identification
from pathfinder.notifications.service_layer.bulk_submissions import submit_early_years_notifications
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.ports import ChildIdentity, ChildToIdentify
from pathfinder.notifications.service_layer.submissions import Submission, SubmissionResult

NOW = datetime(2026, 11, 23, 11, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


async def backfilled(store: FakeStore, count: int) -> list[SubmissionResult]:
    entries = []
    for _ in range(count):
        sent = submission(responsible_la=None, child=child(postcode="TS24 1AA"))
        entries.append(Submission(sent, "hash", (f"message:RR8:{sent.message_id}",), "bulk"))
    outcomes = await submit_early_years_notifications(
        entries, uow=store.unit_of_work(), postcodes=FakePostcodes(), now=lambda: NOW
    )
    return [outcome for outcome in outcomes if isinstance(outcome, SubmissionResult)]


async def retry(store: FakeStore, identity: FakeIdentity, at: datetime, limit: int = 500) -> int:
    return await ask_identity_again(
        uow=store.unit_of_work(), identity=identity, postcodes=FakePostcodes(), now=lambda: at, limit=limit
    )


def statuses(store: FakeStore) -> list[NotificationStatus]:
    return [notification.status for notification in store.notifications.values()]


async def test_due_notifications_are_asked_about_in_one_batch_and_each_named() -> None:
    store, identity = FakeStore(), FakeIdentity(answer="new-child")
    await backfilled(store, 7)
    commits = store.commits
    assert await retry(store, identity, LATER) == 7
    assert identity.batches == [7] and len(identity.calls) == 7
    assert identity.postcode_las == ["805"] * 7, "the postcodes' LAs, as evidence"
    assert statuses(store) == [NotificationStatus.RECEIVED] * 7
    assert len(store.events_of(EarlyYearsNotificationReceived)) == 7
    assert store.commits - commits == 2, "the claim, then every answer in one transaction"
    assert await retry(store, identity, LATER + timedelta(hours=1)) == 0


async def test_a_bulk_entrys_first_try_is_due_at_once_as_no_request_asked_identity() -> None:
    store, identity = FakeStore(), FakeIdentity()
    [result] = await backfilled(store, 1)
    assert result.notification.next_identity_attempt_at == NOW
    assert await retry(store, identity, NOW) == 1 and identity.batches == [1]


async def test_batches_are_as_large_as_the_limit() -> None:
    store, identity = FakeStore(), FakeIdentity()
    await backfilled(store, 5)
    assert await retry(store, identity, LATER, limit=2) == 2
    assert await retry(store, identity, LATER, limit=2) == 2
    assert await retry(store, identity, LATER, limit=2) == 1
    assert identity.batches == [2, 2, 1]
    assert statuses(store) == [NotificationStatus.RECEIVED] * 5


@dataclass
class PartlyAway(FakeIdentity):
    """Answers every other child of a batch; the rest it cannot answer now."""

    async def match_children(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
        answers = await super().match_children(children)
        return [answer if index % 2 == 0 else None for index, answer in enumerate(answers)]


async def test_a_child_identity_cannot_answer_now_waits_and_the_others_are_named() -> None:
    store, identity = FakeStore(), PartlyAway()
    await backfilled(store, 4)
    assert await retry(store, identity, LATER) == 4
    assert sorted(statuses(store)) == sorted(
        [NotificationStatus.RECEIVED] * 2 + [NotificationStatus.AWAITING_IDENTITY] * 2
    )
    waiting = [n for n in store.notifications.values() if n.status is NotificationStatus.AWAITING_IDENTITY]
    assert all(
        n.identity_attempts == 1 and n.next_identity_attempt_at and n.next_identity_attempt_at > LATER for n in waiting
    )
    identity.answer = "down"
    assert await retry(store, identity, LATER + timedelta(days=1)) == 2
    assert sorted(statuses(store)) == sorted(
        [NotificationStatus.RECEIVED] * 2 + [NotificationStatus.AWAITING_IDENTITY] * 2
    )
    assert len(store.events_of(EarlyYearsNotificationReceived)) == 2


class Crashed(Exception):
    pass


async def test_a_crash_after_identity_answered_applies_nothing_and_the_retry_names_each_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, identity = FakeStore(), FakeIdentity(answer="new-child")
    await backfilled(store, 3)

    def crash(name: str) -> None:
        if name == "identity.after_batch_answer":
            raise Crashed

    monkeypatch.setattr(child_identification, "fault_point", crash)
    with pytest.raises(Crashed):
        await retry(store, identity, LATER)
    assert statuses(store) == [NotificationStatus.AWAITING_IDENTITY] * 3 and store.events == []
    monkeypatch.undo()
    assert await retry(store, identity, LATER + timedelta(seconds=1)) == 0, "leased meanwhile"
    assert await retry(store, identity, LATER + child_identification.CLAIM_LEASE + timedelta(seconds=1)) == 3
    assert statuses(store) == [NotificationStatus.RECEIVED] * 3
    received = store.events_of(EarlyYearsNotificationReceived)
    assert len(received) == 3 and len({event.notification_id for event in received}) == 3  # type: ignore[attr-defined]
    assert len(set(identity.calls)) == 3 and len(identity.calls) == 6, "the same request ids asked again"
