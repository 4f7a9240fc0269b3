"""Old versions stay readable: consumers get the current model from older events through upcasters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from contracts_kit import event_data
from hypothesis import given, settings
from pathfinder.contracts import EarlyYearsNotificationReceived, NotReadable, read_event
from pathfinder.contracts.catalogue import current_class
from pathfinder.contracts.superseded.notifications import EarlyYearsNotificationReceivedV1
from pathfinder.contracts.upcasting import UPCASTERS, upcast
from pydantic import ValidationError

V1 = EarlyYearsNotificationReceivedV1.event_type


@settings(max_examples=60)
@given(event_data(EarlyYearsNotificationReceivedV1))
def test_v1_notifications_are_read_as_v2_with_every_field_kept(data: dict[str, Any]) -> None:
    event = read_event(V1, json.dumps(data))
    assert isinstance(event, EarlyYearsNotificationReceived)
    original = EarlyYearsNotificationReceivedV1.model_validate(data)
    assert event.model_dump(include=set(EarlyYearsNotificationReceivedV1.model_fields)) == original.model_dump()
    assert event.submission_format == "json"
    assert event.source_message_id is None


@pytest.mark.parametrize("event_type", sorted(UPCASTERS))
def test_every_upcaster_chain_ends_at_the_current_version(event_type: str) -> None:
    step = UPCASTERS[event_type]

    @settings(max_examples=40)
    @given(event_data(step.source))
    def lifts(data: dict[str, Any]) -> None:
        lifted = read_event(event_type, json.dumps(data))
        assert type(lifted) is current_class(step.source.family())

    lifts()


def test_old_data_is_validated_against_its_own_version_first() -> None:
    with pytest.raises(ValidationError):
        read_event(V1, json.dumps({"submission_format": "json"}))


def test_a_reader_of_an_older_version_cannot_read_a_newer_event() -> None:
    newer = EarlyYearsNotificationReceived.model_validate(
        {
            "person_id": "2f1b1f08-4a7a-4c43-9f5e-1f45a3b0c111",
            "responsible_la": "841",
            "notification_id": "9b0f4b2c-8d6e-4f5e-a1c3-0d2e9f8a7b6c",
            "notifying_organisation": "RR8",
            "opinion_formed_on": "2026-11-02",
            "received_at": "2026-11-23T09:30:00Z",
            "submission_format": "fhir-message",
            "source_message_id": "3c6e2a8f-msg",
        }
    )
    with pytest.raises(NotReadable, match="newer than"):
        upcast(newer, EarlyYearsNotificationReceivedV1)
    with pytest.raises(NotReadable, match="newer than"):
        read_event(newer.event_type, newer.model_dump_json(), as_version=EarlyYearsNotificationReceivedV1)
