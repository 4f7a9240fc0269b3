"""What the archive keeps of a record: its attributes as far as they can be read, the person only where the
subject is a child, a dead letter under its original's id, and an unreadable record with why."""

from __future__ import annotations

from uuid import uuid4

from event_history_kit.builders import LIFECYCLE, T0, dead_letter_of, headers_of, kept, record
from pathfinder.contracts.notifications import EarlyYearsNotificationRejected
from pathfinder.event_history.domain.archived_event import UNREADABLE, archive_id_of, archived


def test_a_platform_event_is_kept_with_the_attributes_it_is_searched_by() -> None:
    person, event_id = uuid4(), uuid4()
    event = kept(person=person, event_id=event_id, la="805", correlation="c-9", offset=7, partition=2)
    assert (event.event_id, event.topic, event.partition, event.offset) == (event_id, LIFECYCLE, 2, 7)
    assert (event.person_id, event.la_code, event.correlation_id) == (person, "805", "c-9")
    assert event.occurred_at == T0 and event.record_time == T0
    assert event.source == "/pathfinder/ehcp" and event.problem is None and not event.is_dead_letter
    assert event.header_texts()["ce_id"] == str(event_id)


def test_a_subject_that_is_not_a_child_is_not_taken_for_one() -> None:
    notification = uuid4()
    event = kept(event_type=EarlyYearsNotificationRejected.event_type, subject=str(notification), la=None)
    assert event.person_id is None and event.la_code is None
    newer = kept(event_type="pathfinder.ehcp.assessment-requested.v9", person=notification)
    assert newer.person_id == notification, "a version this service does not know yet is judged by its elders"
    unknown = kept(event_type="pathfinder.tests.no-such-event.v1", person=notification)
    assert unknown.person_id is None


def test_a_dead_letter_is_kept_under_its_originals_id_on_its_own_topic() -> None:
    original = kept(person=uuid4(), la="841")
    letter = archived(dead_letter_of(original, group="ehcp.early-years-intake"), fallback_id=uuid4(), problem=None)
    assert letter.event_id == original.event_id
    assert letter.topic == "ehcp.early-years-intake.dead-letter" and letter.is_dead_letter
    assert (letter.la_code, letter.person_id, letter.event_type) == (original.la_code, original.person_id,
                                                                     original.event_type)  # fmt: skip


def test_an_unreadable_record_is_kept_with_what_could_be_read_and_why() -> None:
    fallback = uuid4()
    raw = record(headers=[("content-type", b"application/json"), ("ce_lacode", b"8X1"), ("ce_time", b"soon")],
                 value=None)  # fmt: skip
    event = archived(raw, fallback_id=fallback, problem="ce_specversion header missing or not 1.0")
    assert event.event_id == fallback and event.event_type == UNREADABLE
    assert event.la_code is None, "a malformed LA code shows the record to no LA"
    assert event.occurred_at is None and event.record_time == T0
    assert event.problem == "ce_specversion header missing or not 1.0; the record has no value"
    assert event.payload == b""


def test_a_dead_letter_of_a_record_without_an_id_carries_the_one_its_consumer_gave_it() -> None:
    given = uuid4()
    headers = [("content-type", b"application/json"), ("pathfinder_dlt_original_event_id", str(given).encode())]
    assert archived(record(headers=headers), fallback_id=uuid4(), problem="no ce_id").event_id == given
    assert archive_id_of(headers) == given
    assert archive_id_of([("ce_id", b"not-a-uuid")]) is None
    event_id = uuid4()
    assert archive_id_of(headers_of(event_id=event_id)) == event_id
