# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Event notifications to LA systems in the shape of the Subscriptions R5 Backport IG 1.1.0 for FHIR R4: thin
id-only Bundles whose event numbers let a client find what it missed."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from contracts_kit import JSON_VALUES, element_paths
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pathfinder.contracts.fhir.outcome import FhirInputRejected
from pathfinder.contracts.fhir.subscription_notification import (
    NOTIFICATION_BUNDLE_PROFILE,
    NOTIFICATION_EVENT_TYPE_EXTENSION,
    SUBSCRIPTION_STATUS_PROFILE,
    NotificationEvent,
    NotificationType,
    SubscriptionNotification,
    SubscriptionStatusCode,
    subscription_notification_bundle,
)
from pathfinder.contracts.fhir.subscription_notification_reader import (
    missing_event_numbers,
    read_subscription_notification,
)
from pydantic import ValidationError

API = "https://api.pathfinder-send.org"
SUBSCRIPTION = f"{API}/fhir/Subscription/la-841-ehcp"
TOPIC = "https://fhir.pathfinder-send.org/SubscriptionTopic/ehcp-lifecycle"
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AT = datetime(2025, 2, 14, 9, 30, 5, 123000, tzinfo=UTC)


def event(number: int, **changes: Any) -> NotificationEvent:
    fields: dict[str, Any] = {
        "event_number": number,
        "timestamp": AT,
        "focus_url": f"{API}/events/{UUID(int=number)}",
        "event_type": "pathfinder.ehcp.advice-requested.v1",
    }
    return NotificationEvent(**(fields | changes))


def bundle(
    events: tuple[NotificationEvent, ...] = (),
    notification_type: NotificationType = NotificationType.EVENT_NOTIFICATION,
    since_start: int | None = None,
) -> dict[str, Any]:
    document = subscription_notification_bundle(
        bundle_id=UUID("5f0e0a2c-7a43-4a34-9d0e-3d0d4b8f1a11"),
        subscription_url=SUBSCRIPTION,
        topic_url=TOPIC,
        status=SubscriptionStatusCode.ACTIVE,
        notification_type=notification_type,
        events_since_subscription_start=since_start
        if since_start is not None
        else max([0, *(e.event_number for e in events)]),
        events=events,
        timestamp=AT,
    )
    result: dict[str, Any] = json.loads(json.dumps(document))
    return result


def test_an_event_notification_has_the_shape_of_the_r4_backport_profiles() -> None:
    document = bundle((event(7, additional_context=(f"{API}/fhir/ServiceRequest/{UUID(int=9)}",)),))
    Bundle.model_validate(document)
    assert (document["type"], document["meta"]["profile"]) == ("history", [NOTIFICATION_BUNDLE_PROFILE])
    assert len(document["entry"]) == 1, "id-only: the focus is referenced, not embedded"
    status_entry = document["entry"][0]
    assert status_entry["fullUrl"] == "urn:uuid:5f0e0a2c-7a43-4a34-9d0e-3d0d4b8f1a11"
    assert status_entry["request"] == {"method": "GET", "url": f"{SUBSCRIPTION}/$status"}
    assert status_entry["response"] == {"status": "200"}
    status = status_entry["resource"]
    assert isinstance(Parameters.model_validate(status), Parameters)
    assert status["meta"]["profile"] == [SUBSCRIPTION_STATUS_PROFILE]
    assert status["parameter"][:5] == [
        {"name": "subscription", "valueReference": {"reference": SUBSCRIPTION}},
        {"name": "topic", "valueCanonical": TOPIC},
        {"name": "status", "valueCode": "active"},
        {"name": "type", "valueCode": "event-notification"},
        {"name": "events-since-subscription-start", "valueString": "7"},
    ]
    assert status["parameter"][5] == {
        "name": "notification-event",
        "extension": [{"url": NOTIFICATION_EVENT_TYPE_EXTENSION, "valueCode": "pathfinder.ehcp.advice-requested.v1"}],
        "part": [
            {"name": "event-number", "valueString": "7"},
            {"name": "timestamp", "valueInstant": "2025-02-14T09:30:05.123000Z"},
            {"name": "focus", "valueReference": {"reference": f"{API}/events/{UUID(int=7)}"}},
            {"name": "additional-context", "valueReference": {"reference": f"{API}/fhir/ServiceRequest/{UUID(int=9)}"}},
        ],
    }


def test_a_heartbeat_carries_the_event_count_and_no_events() -> None:
    document = bundle(notification_type=NotificationType.HEARTBEAT, since_start=42)
    parameters = document["entry"][0]["resource"]["parameter"]
    names = ["subscription", "topic", "status", "type", "events-since-subscription-start"]
    assert [p["name"] for p in parameters] == names
    assert (parameters[3]["valueCode"], parameters[4]["valueString"]) == ("heartbeat", "42")
    assert read_subscription_notification(document).events == ()


@pytest.mark.parametrize(
    ("notification_type", "events", "since_start"),
    [
        (NotificationType.HANDSHAKE, (event(1),), 1),
        (NotificationType.HEARTBEAT, (event(1),), 1),
        (NotificationType.QUERY_STATUS, (event(1),), 1),
        (NotificationType.EVENT_NOTIFICATION, (), 3),
        (NotificationType.EVENT_NOTIFICATION, (event(2), event(2)), 2),
        (NotificationType.EVENT_NOTIFICATION, (event(3), event(2)), 3),
        (NotificationType.EVENT_NOTIFICATION, (event(4),), 3),
    ],
)
def test_notifications_that_break_the_ig_rules_are_not_built(notification_type, events, since_start) -> None:
    with pytest.raises(ValidationError):
        bundle(events, notification_type, since_start)


def test_events_carry_only_a_reference_an_instant_and_a_type() -> None:
    with pytest.raises(ValidationError):
        event(1, focus_url="Patient/9990000018 Jane Smith")
    with pytest.raises(ValidationError):
        event(1, timestamp=datetime(2025, 2, 14, 9, 30))
    with pytest.raises(ValidationError):
        event(1, event_type="advice requested")
    assert event(1, timestamp=AT.astimezone(timezone(timedelta(hours=1)))).timestamp.tzinfo is UTC


def test_the_events_operation_answers_with_the_same_bundle_of_type_query_event() -> None:
    document = bundle((event(22), event(23)), NotificationType.QUERY_EVENT, since_start=25)
    notification = read_subscription_notification(document)
    assert notification.notification_type is NotificationType.QUERY_EVENT
    assert [e.event_number for e in notification.events] == [22, 23]
    empty = read_subscription_notification(bundle((), NotificationType.QUERY_EVENT, since_start=25))
    assert empty.events == ()


urls = st.from_regex(r"\Ahttps://[a-z]{1,10}\.example/[A-Za-z0-9/_.-]{0,24}\Z")
event_types = st.from_regex(r"\Apathfinder\.[a-z-]{1,12}\.[a-z-]{1,20}\.v[1-9][0-9]?\Z")
instants = st.datetimes(
    datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))])
)


@st.composite
def notifications(draw: st.DrawFn) -> SubscriptionNotification:
    notification_type = draw(st.sampled_from(NotificationType))
    numbers: list[int] = []
    if notification_type in (NotificationType.EVENT_NOTIFICATION, NotificationType.QUERY_EVENT):
        minimum = 1 if notification_type is NotificationType.EVENT_NOTIFICATION else 0
        numbers = sorted(draw(st.sets(st.integers(1, 2**40), min_size=minimum, max_size=4)))
    events = [
        NotificationEvent(
            event_number=number,
            timestamp=draw(instants),
            focus_url=draw(urls),
            event_type=draw(event_types),
            additional_context=tuple(draw(st.lists(urls, max_size=2))),
        )
        for number in numbers
    ]
    return SubscriptionNotification(
        bundle_id=draw(st.uuids()),
        timestamp=draw(instants),
        subscription_url=draw(urls),
        topic_url=draw(urls),
        status=draw(st.sampled_from(SubscriptionStatusCode)),
        notification_type=notification_type,
        events_since_subscription_start=max([0, *numbers]) + draw(st.integers(0, 10**6)),
        events=tuple(events),
    )


def build(notification: SubscriptionNotification) -> dict[str, Any]:
    fields = notification.model_dump()
    fields.pop("bundle_id")
    document = subscription_notification_bundle(bundle_id=notification.bundle_id, **fields)
    result: dict[str, Any] = json.loads(json.dumps(document))
    return result


@given(notifications())
@PROPERTY
def test_build_then_read_gives_the_same_notification_and_event_numbers(notification) -> None:
    document = build(notification)
    Bundle.model_validate(document)
    assert read_subscription_notification(document) == notification


def test_a_client_finds_the_events_it_missed() -> None:
    delivered = read_subscription_notification(bundle((event(5), event(6)), since_start=6))
    assert missing_event_numbers(3, delivered) == [4]
    assert missing_event_numbers(6, delivered) == []  # a duplicate delivery misses nothing
    heartbeat = read_subscription_notification(bundle(notification_type=NotificationType.HEARTBEAT, since_start=8))
    assert missing_event_numbers(6, heartbeat) == [7, 8]


@given(st.integers(0, 50), st.integers(0, 50), st.sets(st.integers(1, 120), max_size=6))
@PROPERTY
def test_missing_and_received_events_cover_everything_after_the_last_seen(previous_last, extra, numbers) -> None:
    events = tuple(event(n) for n in sorted(numbers))
    since_start = max([previous_last, *numbers]) + extra
    notification = read_subscription_notification(bundle(events, NotificationType.QUERY_EVENT, since_start))
    missing = missing_event_numbers(previous_last, notification)
    assert set(missing).isdisjoint(numbers)
    assert set(missing) | {n for n in numbers if n > previous_last} == set(range(previous_last + 1, since_start + 1))


def rejected_expressions(document: object) -> set[str]:
    with pytest.raises(FhirInputRejected) as rejected:
        read_subscription_notification(document)
    return {expression for issue in rejected.value.issues for expression in issue.expression}


def test_what_is_not_a_notification_is_rejected_naming_the_element() -> None:
    document = bundle((event(2),))
    assert rejected_expressions({**document, "type": "searchset"}) == {"Bundle.type"}
    status = document["entry"][0]["resource"]["parameter"]
    notification_event = status[5]
    without_type = copy.deepcopy(document)
    del without_type["entry"][0]["resource"]["parameter"][5]["extension"]  # as in the IG's own id-only example
    assert rejected_expressions(without_type) == {"Bundle.entry[0].resource.parameter[5].extension"}
    notification_event["part"][0]["valueString"] = "two"
    status[4]["valueString"] = "-1"
    assert rejected_expressions(document) == {
        "Bundle.entry[0].resource.parameter",
        "Bundle.entry[0].resource.parameter[5].part",
    }
    assert rejected_expressions({**bundle(notification_type=NotificationType.HEARTBEAT), "entry": []}) == {
        "Bundle.entry[0].resource"
    }


@given(notifications(), st.data())
@PROPERTY
def test_a_corrupted_element_is_rejected_with_an_outcome_and_never_crashes(notification, data) -> None:
    document = build(notification)
    path = data.draw(st.sampled_from(element_paths(document)[1:]))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON_VALUES)
    try:
        read_subscription_notification(document)
    except FhirInputRejected as rejected:
        outcome = rejected.operation_outcome()
    else:
        return
    assert outcome["issue"]


@given(JSON_VALUES | st.dictionaries(st.sampled_from(["resourceType", "type", "entry", "timestamp"]), JSON_VALUES))
@PROPERTY
def test_any_json_is_rejected_with_an_outcome(value: object) -> None:
    with pytest.raises(FhirInputRejected):
        read_subscription_notification(value)


def test_a_boolean_where_a_url_is_due_is_rejected_with_an_outcome() -> None:
    document = bundle((event(1),))
    document["entry"][0]["resource"]["parameter"].append({"name": "x", "valueUrl": True})
    assert rejected_expressions(document) == {"Bundle"}
