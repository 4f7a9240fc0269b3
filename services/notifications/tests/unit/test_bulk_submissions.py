"""Bulk submissions stored in batches, on fakes: a few transactions for many entries, each entry answered as it
would be alone, idempotent on its keys, and a batch that fails to commit leaving nothing of itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from notifications_kit.fakes import FakeEarlyYearsNotifications, FakePostcodes, FakeStore, FakeUnitOfWork
from notifications_kit.messages import child, submission
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.notifications.service_layer.bulk_submissions import Outcome, submit_early_years_notifications
from pathfinder.notifications.service_layer.submissions import (
    DuplicateSubmission,
    Submission,
    SubmissionResult,
    submit_early_years_notification,
)
from pathfinder.notifications.service_layer.unit_of_work import SubmissionKey

NOW = datetime(2026, 11, 23, 11, tzinfo=UTC)


def entry(body_hash: str = "hash-1", retry_key: str | None = None, **changes: object) -> Submission:
    notification = submission(**changes)
    retry = (retry_key,) if retry_key is not None else ()
    return Submission(notification, body_hash, (f"message:RR8:{notification.message_id}", *retry), "bulk")


async def submit_all(store: FakeStore, entries: list[Submission], batch_size: int = 500) -> list[Outcome]:
    return await submit_early_years_notifications(
        entries, uow=store.unit_of_work(), postcodes=FakePostcodes(), now=lambda: NOW, batch_size=batch_size
    )


def results(outcomes: list[Outcome]) -> list[SubmissionResult]:
    assert all(isinstance(outcome, SubmissionResult) for outcome in outcomes)
    return [outcome for outcome in outcomes if isinstance(outcome, SubmissionResult)]


async def test_many_entries_are_kept_in_a_few_transactions_and_answered_in_order() -> None:
    store = FakeStore()
    entries = [entry(retry_key=f"request:RR8:r:{index}") for index in range(23)]
    for index in (5, 15, 22):  # rejected: kept with their reasons, answered 422
        entries[index] = entry(parent_informed_on=None)
    answered = results(await submit_all(store, entries, batch_size=10))
    assert store.commits == 3, "one transaction for each 10 entries"
    assert [result.notification.message_id for result in answered] == [e.notification.message_id for e in entries]
    assert [result.accepted for result in answered] == [index not in (5, 15, 22) for index in range(23)]
    assert {result.notification.id for result in answered} == set(store.notifications)
    assert len(store.keys) == 23 + 20
    assert answered[0].notification.status is NotificationStatus.AWAITING_IDENTITY
    assert store.events == [], "the LA hears of a child only once identity has named them"


async def test_sent_again_each_entry_answers_as_the_first_time_and_nothing_is_stored_twice() -> None:
    store = FakeStore()
    entries = [entry(retry_key=f"request:RR8:r:{index}") for index in range(7)]
    first = results(await submit_all(store, entries, batch_size=3))
    stored, events = dict(store.notifications), len(store.events)
    again = results(await submit_all(store, entries, batch_size=3))
    assert [r.notification.id for r in again] == [r.notification.id for r in first]
    assert all(r.replayed for r in again) and [r.accepted for r in again] == [r.accepted for r in first]
    assert store.notifications.keys() == stored.keys() and len(store.events) == events


async def test_a_used_key_with_another_body_is_refused_for_that_entry_only() -> None:
    store = FakeStore()
    [kept] = results(await submit_all(store, [entry(message_id="m-1")]))
    changed = entry(body_hash="hash-2", message_id="m-1", child=child(family_name="Jones"))
    outcomes = await submit_all(store, [entry(), changed, entry()])
    assert isinstance(outcomes[1], DuplicateSubmission)
    assert all(isinstance(outcomes[index], SubmissionResult) for index in (0, 2))
    assert len(store.notifications) == 3 and store.notifications[kept.notification.id].message_id == "m-1"


async def test_an_entry_repeating_an_earlier_one_of_the_same_request_answers_as_it() -> None:
    store = FakeStore()
    first = entry(message_id="m-2")
    same = Submission(first.notification, first.body_hash, first.keys, "bulk")
    other_body = Submission(first.notification, "hash-other", first.keys, "bulk")
    outcomes = await submit_all(store, [first, entry(), same, other_body])
    assert isinstance(outcomes[0], SubmissionResult) and isinstance(outcomes[2], SubmissionResult)
    assert outcomes[2].notification.id == outcomes[0].notification.id and outcomes[2].replayed
    assert isinstance(outcomes[3], DuplicateSubmission)
    assert len(store.notifications) == 2


async def test_a_batch_that_fails_to_commit_stores_nothing_of_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeStore()
    entries = [entry(retry_key=f"request:RR8:c:{index}") for index in range(6)]
    commit = FakeUnitOfWork._commit

    async def failing_second(self: FakeUnitOfWork) -> None:
        if store.commits == 1:
            raise ConnectionError("the database went away")
        await commit(self)

    monkeypatch.setattr(FakeUnitOfWork, "_commit", failing_second)
    with pytest.raises(ConnectionError):
        await submit_all(store, entries, batch_size=3)
    assert len(store.notifications) == 3 and len(store.keys) == 6, "the first batch only, whole"
    monkeypatch.setattr(FakeUnitOfWork, "_commit", commit)
    again = results(await submit_all(store, entries, batch_size=3))
    assert [r.replayed for r in again] == [True] * 3 + [False] * 3
    assert len(store.notifications) == 6 and len(store.keys) == 12


async def test_a_key_taken_while_the_batch_is_stored_sends_its_entries_the_single_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = FakeStore()
    taken = entry(message_id="m-3")
    prior = await submit_early_years_notification(
        taken, uow=store.unit_of_work(), postcodes=FakePostcodes(), now=lambda: NOW
    )

    looked_up = FakeEarlyYearsNotifications.submission_keys
    calls: list[int] = []

    async def not_yet_committed(self: FakeEarlyYearsNotifications, keys: Sequence[str]) -> list[SubmissionKey]:
        calls.append(1)  # the prior submission commits after the batch first looked for its keys
        return [] if len(calls) == 1 else await looked_up(self, keys)

    monkeypatch.setattr(FakeEarlyYearsNotifications, "submission_keys", not_yet_committed)
    outcomes = await submit_early_years_notifications(
        [entry(), taken], uow=store.unit_of_work(), postcodes=FakePostcodes(), now=lambda: NOW
    )
    monkeypatch.undo()
    assert isinstance(outcomes[1], SubmissionResult) and outcomes[1].notification.id == prior.notification.id
    assert isinstance(outcomes[0], SubmissionResult) and not outcomes[0].replayed
    assert len(store.notifications) == 2


async def test_the_postcodes_of_a_batch_name_the_la_where_the_message_names_none() -> None:
    store = FakeStore()
    [named] = results(await submit_all(store, [entry(responsible_la=None, child=child(postcode="TS24 1AA"))]))
    assert named.accepted and named.notification.responsible_la == "805"
