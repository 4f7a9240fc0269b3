"""A slice of the archive, and a query's text read into one: every value checked, each refusal saying what a
good value looks like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from event_history_kit.builders import REQUESTED, T0, kept
from pathfinder.event_history.domain.event_slice import DEFAULT_LIMIT, MAX_LIMIT, EventSlice, PageRequest, SliceQuery
from pathfinder.event_history.domain.refusals import InvalidQuery


def test_a_query_is_read_into_a_slice_and_a_page() -> None:
    person = uuid4()
    wanted, page = SliceQuery(
        types=(REQUESTED, REQUESTED), la="841", person=str(person), correlation_id="abc-1",
        topic="pathfinder.ehcp.lifecycle", since="2026-12-01T00:00:00Z", until="2026-12-02T00:00:00+00:00",
        after="42", limit="10",
    ).read()  # fmt: skip
    assert wanted == EventSlice(
        since=datetime(2026, 12, 1, tzinfo=UTC), until=datetime(2026, 12, 2, tzinfo=UTC), event_types=(REQUESTED,),
        la_code="841", person_id=person, correlation_id="abc-1", topic="pathfinder.ehcp.lifecycle",
    )  # fmt: skip
    assert page == PageRequest(after=42, limit=10)
    assert SliceQuery().read() == (EventSlice(), PageRequest(after=None, limit=DEFAULT_LIMIT))


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (SliceQuery(since="yesterday"), "since is an RFC 3339 time"),
        (SliceQuery(since="2026-12-01T00:00:00"), "since needs a UTC offset"),
        (SliceQuery(since="2026-12-02T00:00:00Z", until="2026-12-01T00:00:00Z"), "since must be before until"),
        (SliceQuery(since="2026-12-01T00:00:00Z", until="2026-12-01T00:00:00Z"), "since must be before until"),
        (SliceQuery(la="8410"), "three digits"),
        (SliceQuery(la="abc"), "three digits"),
        (SliceQuery(person="not-a-uuid"), "person id"),
        (SliceQuery(types=("pathfinder.ehcp.x.v1'; drop",)), "event type is letters"),
        (SliceQuery(types=tuple(f"t{n}" for n in range(21))), "at most 20"),
        (SliceQuery(correlation_id="a b"), "correlation_id"),
        (SliceQuery(topic="a/b"), "Kafka topic name"),
        (SliceQuery(after="-1"), "`next` a previous page gave"),
        (SliceQuery(after="12345678901234567890"), "`next` a previous page gave"),
        (SliceQuery(limit="0"), f"1 to {MAX_LIMIT}"),
        (SliceQuery(limit=str(MAX_LIMIT + 1)), f"1 to {MAX_LIMIT}"),
        (SliceQuery(limit="ten"), f"1 to {MAX_LIMIT}"),
        (SliceQuery(limit="\uff11\uff10"), f"1 to {MAX_LIMIT}"),  # full-width digits
    ],
)
def test_a_query_that_cannot_be_understood_is_refused_saying_what_would_be(query: SliceQuery, says: str) -> None:
    with pytest.raises(InvalidQuery, match=says):
        query.read()


def test_the_largest_page_is_allowed() -> None:
    assert SliceQuery(limit=str(MAX_LIMIT)).read()[1].limit == MAX_LIMIT


def test_a_slice_matches_the_events_it_describes() -> None:
    event = kept(position=1, la="841", correlation="c-1", at=T0).summary()
    assert EventSlice().matches(event)
    assert EventSlice(since=T0, until=T0 + timedelta(seconds=1), event_types=(REQUESTED,), la_code="841").matches(event)
    assert not EventSlice(since=T0 + timedelta(seconds=1)).matches(event)
    assert not EventSlice(until=T0).matches(event), "until is exclusive"
    assert not EventSlice(la_code="805").matches(event)
    assert not EventSlice(correlation_id="c-2").matches(event)
    assert not EventSlice(person_id=uuid4()).matches(event)
    assert not EventSlice(topic="pathfinder.identity.persons").matches(event)


def test_the_audit_keeps_only_what_the_slice_constrains_and_what_was_asked_cut_short() -> None:
    assert EventSlice(la_code="841", event_types=(REQUESTED,)).as_json() == {"la": "841", "event_types": [REQUESTED]}
    assert SliceQuery(la="x" * 1000, limit="5").as_json() == {"la": "x" * 200, "limit": "5"}
