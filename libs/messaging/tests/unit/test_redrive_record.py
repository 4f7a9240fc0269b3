"""Building the record that sends a dead letter back to its consumer group, from the dead-letter record as it
is found on the dead-letter topic (and kept in the archive)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.wire import EPOCH_HEADER
from pathfinder.messaging.dead_letter import dead_letter_message
from pathfinder.messaging.delivery import DeadLetterReason, Delivery, read_record
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord
from pathfinder.messaging.redrive import REDRIVE_OF_HEADER, NotADeadLetter, redrive_of, redrive_record

Headers = list[tuple[str, bytes]]
RELAY_HEADERS = [("ce_sequence", b"00000000000000000042"), (EPOCH_HEADER, str(uuid4()).encode())]


def published(headers: Headers, key: bytes | None, value: bytes | None) -> KafkaRecord:
    """A record as the relay publishes it: with its sequence and epoch headers."""
    return KafkaRecord("pathfinder.notifications.early-years", 2, 7, key, [*headers, *RELAY_HEADERS], value)


def on_dead_letter_topic(delivery: Delivery) -> tuple[Headers, bytes, bytes]:
    letter = dead_letter_message(
        delivery, consumer_group="tests.intake", reason=DeadLetterReason.HANDLER_FAILED, error="boom", attempts=3
    )
    relayed_again = [("ce_sequence", b"00000000000000000003"), (EPOCH_HEADER, str(uuid4()).encode())]
    return [*letter.headers, *relayed_again], letter.key.encode(), letter.payload


def an_event() -> EarlyYearsNotificationReceived:
    return EarlyYearsNotificationReceived(
        person_id=uuid4(),
        responsible_la="841",
        notification_id=uuid4(),
        notifying_organisation="RR8",
        opinion_formed_on=date(2026, 11, 2),
        submission_format="json",
        source_message_id=None,
        received_at=datetime.now(UTC),
    )


def test_the_original_record_goes_to_the_groups_redrive_topic_naming_the_event_it_was_dead_lettered_as() -> None:
    message = message_for_event(an_event(), source="/pathfinder/tests")
    delivery = read_record(published(message.headers, message.key.encode(), message.payload))

    topic, key, headers, value = redrive_record(*on_dead_letter_topic(delivery))

    assert topic == "tests.intake.redrive"
    assert key == message.key.encode()
    assert value == message.payload
    assert headers == [*message.headers, (REDRIVE_OF_HEADER, str(message.event_id).encode())]
    assert redrive_of(headers) == message.event_id
    assert read_record(KafkaRecord(topic, 0, 0, key, headers, value)).event == delivery.event


def test_a_record_dead_lettered_without_a_readable_id_names_the_id_its_consumer_gave_it() -> None:
    delivery = read_record(published([("content-type", b"application/json")], b"key", b"{}"))
    assert delivery.envelope is None

    record = redrive_record(*on_dead_letter_topic(delivery))

    assert record.headers == [
        ("content-type", b"application/json"),
        (REDRIVE_OF_HEADER, str(delivery.event_id).encode()),
    ]
    assert redrive_of(record.headers) == delivery.event_id


def test_a_record_that_is_not_a_dead_letter_is_refused() -> None:
    message = message_for_event(an_event(), source="/pathfinder/tests")
    with pytest.raises(NotADeadLetter):
        redrive_record(message.headers, message.key.encode(), message.payload)


@pytest.mark.parametrize("event_id", [None, b"", b"not-a-uuid"])
def test_a_dead_letter_record_without_the_id_it_was_dead_lettered_as_is_refused(event_id: bytes | None) -> None:
    message = message_for_event(an_event(), source="/pathfinder/tests")
    headers, key, value = on_dead_letter_topic(read_record(published(message.headers, b"k", message.payload)))
    headers = [(name, raw) for name, raw in headers if name != "pathfinder_dlt_original_event_id"]
    if event_id is not None:
        headers.append(("pathfinder_dlt_original_event_id", event_id))
    with pytest.raises(NotADeadLetter):
        redrive_record(headers, key, value)


def test_a_redrive_record_names_one_event_however_often_its_dead_letter_was_redriven() -> None:
    message = message_for_event(an_event(), source="/pathfinder/tests")
    stale: Headers = [(REDRIVE_OF_HEADER, str(uuid4()).encode())]
    headers, key, value = on_dead_letter_topic(read_record(published(message.headers, b"k", message.payload)))

    record = redrive_record([*headers, *stale], key, value)

    assert [raw for name, raw in record.headers if name == REDRIVE_OF_HEADER] == [str(message.event_id).encode()]


def test_the_redrive_header_is_read_only_when_it_holds_an_event_id() -> None:
    event_id = uuid4()
    assert redrive_of([(REDRIVE_OF_HEADER, str(event_id).encode())]) == UUID(str(event_id))
    assert redrive_of([(REDRIVE_OF_HEADER, b"nonsense")]) is None
    assert redrive_of([]) is None
