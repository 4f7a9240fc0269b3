"""The use cases of reading the archive, on the unit of work in memory: pages, the LA's narrowing, showing one
event in its child's history, and an audit row for every call, refusals included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from event_history_kit.builders import DECIDED, REQUESTED, T0, engineer, kept, la_engineer
from event_history_kit.fakes import FakeHistoryStore
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal
from pathfinder.event_history.domain.event_slice import SliceQuery
from pathfinder.event_history.domain.refusals import (
    AnotherLasEvents,
    EventNotFound,
    InvalidQuery,
    MissingReason,
    NotAllowed,
)
from pathfinder.event_history.service_layer.reading import Call, find_events, read_audit, show_event

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
WHY = "INC-1234: 841's consumer missed a day"


def call(who: Principal, reason: str | None = WHY) -> Call:
    return Call(who, reason, NOW)


async def archive(store: FakeHistoryStore, *events: object) -> None:
    async with store.unit_of_work() as uow:
        await uow.archive.add(events)  # type: ignore[arg-type]
        await uow.commit()


async def test_the_slice_comes_a_page_at_a_time_in_archive_order_and_each_call_is_audited() -> None:
    store = FakeHistoryStore()
    await archive(store, *(kept(la="841", at=T0 + timedelta(seconds=n)) for n in range(5)), kept(la="805"))
    first = await find_events(call(engineer()), SliceQuery(la="841", limit="2"), uow=store.unit_of_work())
    assert [one.position for one in first.events] == [1, 2] and first.next == 2
    second = await find_events(call(engineer()), SliceQuery(la="841", limit="2", after="2"), uow=store.unit_of_work())
    third = await find_events(call(engineer()), SliceQuery(la="841", limit="2", after="4"), uow=store.unit_of_work())
    assert [one.position for one in second.events] == [3, 4] and second.next == 4
    assert [one.position for one in third.events] == [5] and third.next is None
    audited = [(entry.action, entry.outcome, entry.reason) for entry in store.audit]
    assert audited == [("events.find", "allowed", WHY)] * 3
    assert store.audit[1].slice == {"la": "841", "after": 2, "limit": 2}


async def test_an_la_reads_its_own_events_only_though_it_asks_for_all() -> None:
    store = FakeHistoryStore()
    await archive(store, kept(la="841"), kept(la="805"), kept(la=None), kept(la="841", event_type=DECIDED))
    page = await find_events(call(la_engineer("841")), SliceQuery(), uow=store.unit_of_work())
    assert [(one.la_code, one.event_type) for one in page.events] == [("841", REQUESTED), ("841", DECIDED)]
    assert store.audit[-1].slice == {"la": "841", "after": None, "limit": 100}, "the audit keeps the narrowed slice"


@pytest.mark.parametrize(
    ("who", "query", "refusal", "outcome"),
    [
        (la_engineer("841"), SliceQuery(la="805"), AnotherLasEvents, "refused: another LA's events"),
        (
            principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT),
            SliceQuery(),
            NotAllowed,
            "refused: not allowed",
        ),
        (engineer(), SliceQuery(limit="5000"), InvalidQuery, "refused: invalid"),
    ],
)
async def test_a_refusal_is_audited_with_the_slice_as_asked(
    who: Principal, query: SliceQuery, refusal: type[Exception], outcome: str
) -> None:
    store = FakeHistoryStore()
    await archive(store, kept(la="805"))
    with pytest.raises(refusal):
        await find_events(call(who), query, uow=store.unit_of_work())
    [entry] = store.audit
    assert (entry.subject, entry.organisation, entry.action, entry.outcome) == (
        who.subject, who.organisation, "events.find", outcome
    )  # fmt: skip
    assert entry.slice == query.as_json() and entry.reason == WHY


@pytest.mark.parametrize("reason", [None, "", "   ", "x" * 501])
async def test_a_call_without_a_reason_is_refused_before_anything_is_read_and_audited(reason: str | None) -> None:
    store = FakeHistoryStore()
    with pytest.raises(MissingReason, match="Pathfinder-Reason"):
        await find_events(call(engineer(), reason), SliceQuery(la="841"), uow=store.unit_of_work())
    with pytest.raises(MissingReason):
        await show_event(call(engineer(), reason), str(uuid4()), topic=None, uow=store.unit_of_work())
    assert [(entry.action, entry.outcome) for entry in store.audit] == [
        ("events.find", "refused: no reason"), ("events.show", "refused: no reason")
    ]  # fmt: skip
    assert store.audit[0].slice == {"la": "841"}
    assert all(entry.reason == (reason[:500] if reason else None) for entry in store.audit)


async def test_one_event_is_shown_with_its_place_in_its_childs_history() -> None:
    store, person = FakeHistoryStore(), uuid4()
    events = [kept(person=person, la="841", at=T0 + timedelta(minutes=n)) for n in range(8)]
    await archive(store, *events, kept(person=person, la="805", at=T0 + timedelta(minutes=4)))
    shown = await show_event(call(la_engineer("841")), str(events[6].event_id), topic=None, uow=store.unit_of_work())
    assert shown.event.event_id == events[6].event_id and shown.also_on == []
    assert shown.history is not None
    assert (shown.history.index, shown.history.of) == (7, 8), "805's event of the child is not 841's to see"
    assert [one.position for one in shown.history.before] == [2, 3, 4, 5, 6]
    assert [one.position for one in shown.history.after] == [8]
    engineers = await show_event(call(engineer()), str(events[6].event_id), topic=None, uow=store.unit_of_work())
    assert engineers.history is not None and (engineers.history.index, engineers.history.of) == (8, 9)
    assert store.audit[-1].slice == {"event_id": str(events[6].event_id), "topic": events[6].topic}


async def test_another_las_event_is_answered_as_missing_and_audited_as_withheld() -> None:
    store = FakeHistoryStore()
    theirs = kept(la="805")
    await archive(store, theirs)
    for asked in (str(theirs.event_id), str(uuid4()), "not-an-id"):
        with pytest.raises(EventNotFound) as refused:
            await show_event(call(la_engineer("841")), asked, topic=None, uow=store.unit_of_work())
        assert refused.value.detail == "No event with that id is held for you."
    assert [entry.outcome for entry in store.audit] == ["withheld: another LA's event", "not found", "not found"]


async def test_the_audit_is_read_by_the_engineers_and_its_reading_is_audited() -> None:
    store = FakeHistoryStore()
    with pytest.raises(NotAllowed):
        await read_audit(call(la_engineer("841")), since=None, limit=None, uow=store.unit_of_work())
    entries = await read_audit(call(engineer()), since=None, limit="10", uow=store.unit_of_work())
    assert [(entry.action, entry.outcome, entry.organisation) for entry in entries] == [
        ("audit.read", "refused: not allowed", "841")
    ]
    later = await read_audit(
        call(engineer()), since=(NOW + timedelta(seconds=1)).isoformat(), limit=None, uow=store.unit_of_work()
    )
    assert later == [] and len(store.audit) == 3
