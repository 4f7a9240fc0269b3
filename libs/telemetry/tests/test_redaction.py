from __future__ import annotations

import logging
import uuid

import pytest
from pathfinder.telemetry.redaction import REDACTED, NhsNumberRedactionFilter, redact_text, redact_value


@pytest.mark.parametrize(
    "text",
    [
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        "NHS number 9434765919 on file",
        "nhs_number=943 476 5919,",
        "(9434765919)",
        "NHS9434765919",
    ],
)
def test_nhs_number_like_text_is_redacted(text: str) -> None:
    redacted = redact_text(text)
    assert REDACTED in redacted
    assert "5919" not in redacted


@pytest.mark.parametrize(
    "text",
    [
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943 476 59190",
        "0161 496 0000",  # a telephone number
        "2026-11-02T09:30:00Z",
        "550e8400-e29b-41d4-a716-446655440000",
        "4bf92f3577b34da6a3ce929d1234567890",  # hex run containing ten digits
        "person 1234567890abcdef",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_uuids_are_never_garbled() -> None:
    for _ in range(2000):
        value = str(uuid.uuid4())
        assert redact_text(value) == value


def test_redact_value_walks_containers_without_changing_them() -> None:
    original = {"patient": {"nhs": "943 476 5919", "ids": [9434765919, ("9434765919",)]}, "9434765919": True}
    redacted = redact_value(original)
    assert redacted == {"patient": {"nhs": REDACTED, "ids": [REDACTED, (REDACTED,)]}, REDACTED: True}
    assert original["patient"]["nhs"] == "943 476 5919"  # type: ignore[index]


def test_redact_value_keeps_harmless_values() -> None:
    marker = object()
    assert redact_value(42) == 42
    assert redact_value(True) is True
    assert redact_value(1.5) == 1.5
    assert redact_value(None) is None
    assert redact_value(marker) is marker


def test_objects_whose_text_contains_a_number_are_replaced_by_redacted_text() -> None:
    class Patient:
        def __str__(self) -> str:
            return "Patient(nhs_number='9434765919')"

    assert redact_value(Patient()) == f"Patient(nhs_number='{REDACTED}')"


def _record(msg: object, args: tuple[object, ...] | None = None, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


def test_filter_redacts_formatted_message_and_extras() -> None:
    record = _record("looked up %s for %s", ("943 476 5919", "user-7"), nhs_number="9434765919", count=3)
    assert NhsNumberRedactionFilter().filter(record) is True
    assert record.getMessage() == f"looked up {REDACTED} for user-7"
    assert record.__dict__["nhs_number"] == REDACTED
    assert record.__dict__["count"] == 3


def test_filter_keeps_format_arguments_when_nothing_is_redacted() -> None:
    record = _record("%d rows", (5,))
    NhsNumberRedactionFilter().filter(record)
    assert record.msg == "%d rows"
    assert record.args == (5,)


def test_filter_redacts_a_dict_message() -> None:
    record = _record({"event": "lookup", "nhs": "9434765919"})
    NhsNumberRedactionFilter().filter(record)
    assert record.msg == {"event": "lookup", "nhs": REDACTED}


def test_filter_redacts_arguments_of_a_broken_format_string() -> None:
    record = _record("%s %s", ("9434765919",))
    NhsNumberRedactionFilter().filter(record)
    assert record.args == (REDACTED,)
