# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The CloudEvents envelope and record reading, without a broker."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.notifications import EarlyYearsNotificationRejected, NotificationRejectionReason
from pathfinder.messaging.delivery import DeadLetterReason, read_record
from pathfinder.messaging.envelope import EventEnvelope, MalformedEvent
from pathfinder.messaging.outbox import decode_headers, encode_headers, message_for_event
from pathfinder.messaging.records import KafkaRecord


def event() -> EarlyYearsNotificationReceived:
    return EarlyYearsNotificationReceived(
        person_id=uuid4(),
        responsible_la="878",
        notification_id=uuid4(),
        notifying_organisation="RH8",
        opinion_formed_on=date(2026, 9, 30),
        submission_format="json",
        source_message_id=None,
        received_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    )


def record_of(headers: list[tuple[str, bytes]], value: bytes | None) -> KafkaRecord:
    return KafkaRecord("pathfinder.notifications.early-years", 0, 7, b"k", headers, value)


def test_binary_mode_headers_carry_every_attribute() -> None:
    original = event()
    message = message_for_event(original, source="/pathfinder/notifications", correlation_id="corr-1")
    headers = dict(message.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"pathfinder.notifications.early-years-notification-received.v2"
    assert headers["ce_subject"] == str(original.person_id).encode()
    assert headers["ce_lacode"] == b"878"
    assert headers["ce_correlationid"] == b"corr-1"
    assert headers["content-type"] == b"application/json"
    assert message.key == str(original.person_id)
    envelope = EventEnvelope.from_record(message.headers, message.payload)
    assert envelope.id == message.event_id
    assert EarlyYearsNotificationReceived.model_validate_json(envelope.data) == original


def test_a_readable_record_becomes_its_contract_event() -> None:
    original = event()
    message = message_for_event(original, source="/tests")
    delivery = read_record(record_of(message.headers, message.payload))
    assert delivery.rejection is None
    assert delivery.event == original


@pytest.mark.parametrize(
    ("change", "reason", "words"),
    [
        (lambda h, v: ([x for x in h if x[0] != "ce_id"], v), DeadLetterReason.MALFORMED, "ce_id"),
        (lambda h, v: ([(n, b"nope" if n == "ce_id" else x) for n, x in h], v), DeadLetterReason.MALFORMED, "UUID"),
        (
            lambda h, v: ([(n, b"yesterday" if n == "ce_time" else x) for n, x in h], v),
            DeadLetterReason.MALFORMED,
            "RFC 3339",
        ),
        (lambda h, v: (h, None), DeadLetterReason.MALFORMED, "no value"),
        (lambda h, v: (h, b"{not json"), DeadLetterReason.MALFORMED, "schema"),
        (
            lambda h, v: ([(n, b"x.v9" if n == "ce_type" else x) for n, x in h], v),
            DeadLetterReason.UNKNOWN_EVENT_TYPE,
            "x.v9",
        ),
        (
            lambda h, v: ([(n, b"999" if n == "ce_lacode" else x) for n, x in h], v),
            DeadLetterReason.MALFORMED,
            "disagrees",
        ),
        (
            lambda h, v: ([(n, x) for n, x in h if n != "ce_lacode"], v),
            DeadLetterReason.MALFORMED,
            "disagrees",
        ),
    ],
)
def test_unreadable_records_say_why(change, reason, words) -> None:
    message = message_for_event(event(), source="/tests")
    headers, value = change(list(message.headers), message.payload)
    delivery = read_record(record_of(headers, value))
    assert delivery.rejection == reason
    assert words in (delivery.problem or "")
    assert delivery.event is None


def test_an_event_for_no_la_travels_without_an_la_code() -> None:
    rejected = EarlyYearsNotificationRejected(
        notification_id=uuid4(),
        notifying_organisation="RR8",
        rejected_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        reasons=(NotificationRejectionReason.PARENT_NOT_INFORMED,),
    )
    message = message_for_event(rejected, source="/tests")
    assert "ce_lacode" not in dict(message.headers)
    assert message.key == str(rejected.notification_id)
    delivery = read_record(record_of(list(message.headers), message.payload))
    assert delivery.rejection is None
    assert delivery.event == rejected
    forged = [*message.headers, ("ce_lacode", b"841")]
    assert read_record(record_of(forged, message.payload)).rejection == DeadLetterReason.MALFORMED


def test_unreadable_ids_get_a_stable_synthetic_id() -> None:
    first = read_record(record_of([], b"{}"))
    again = read_record(record_of([], b"{}"))
    assert first.event_id == again.event_id


def test_headers_round_trip_through_storage_even_when_not_utf8() -> None:
    headers = [("ce_id", b"abc"), ("garbage", b"\xff\xfe")]
    assert decode_headers(encode_headers(headers)) == headers


def test_times_without_offset_are_rejected() -> None:
    message = message_for_event(event(), source="/tests")
    headers = [(n, b"2026-11-23T09:30:00" if n == "ce_time" else v) for n, v in message.headers]
    with pytest.raises(MalformedEvent, match="offset"):
        EventEnvelope.from_record(headers, message.payload)
