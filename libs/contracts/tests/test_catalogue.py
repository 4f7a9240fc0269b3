"""The catalogue's own rules: every event is closed, documented, thin, versioned and routed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pathfinder.contracts import EVENT_TYPES, UnknownEventType, current_class, event_class
from pathfinder.contracts.artefacts.json_schemas import event_json_schema
from pathfinder.contracts.base import ChildEvent, ContractEvent
from pathfinder.contracts.catalogue import current_event_classes, topics_produced_by, versions_of
from pathfinder.contracts.upcasting import UPCASTERS
from pydantic import ValidationError

ALL = sorted(EVENT_TYPES.values(), key=lambda cls: cls.event_type)
SERVICES = {"notifications", "ehcp", "health-advice", "identity"}
# Field names that would mean personal data travels in events.
PERSONAL = re.compile(r"name|nhs_number|birth|address|postcode|upn|uln|phone|email|note|comment|text|reason_text")


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_event_type_names_domain_and_version(cls: type[ContractEvent]) -> None:
    domain = cls.event_type.split(".")[1]
    assert domain == cls.producer, "the type's domain is the producing service"
    assert cls.producer in SERVICES
    assert cls.topic.startswith(f"pathfinder.{cls.producer}.")
    assert cls.version() >= 1
    assert cls.__doc__, "every event says what fact it records"


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_every_field_is_documented_and_no_field_carries_personal_data(cls: type[ContractEvent]) -> None:
    for name, info in cls.model_fields.items():
        assert info.description, f"{cls.__name__}.{name} has no description"
        assert not PERSONAL.search(name), f"{cls.__name__}.{name} looks like personal data"


def _strings(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "string":
            found.append((path, node))
        for key, value in node.items():
            found += _strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _strings(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_no_free_text_every_string_is_constrained(cls: type[ContractEvent]) -> None:
    for path, node in _strings(event_json_schema(cls), ""):
        assert {"format", "pattern", "enum", "const"} & set(node), f"{path} is free text"


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_events_are_closed_and_immutable(cls: type[ContractEvent]) -> None:
    schema = event_json_schema(cls)
    assert schema["additionalProperties"] is False
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        cls.model_validate({"surprise": 1})
    assert cls.model_config.get("frozen") is True


@pytest.mark.parametrize("cls", ALL, ids=lambda cls: cls.event_type)
def test_child_events_are_keyed_by_person_and_carry_the_responsible_la(cls: type[ContractEvent]) -> None:
    if issubclass(cls, ChildEvent):
        assert cls.key_field == "person_id"
        assert {"person_id", "responsible_la"} <= set(cls.model_fields)
    else:
        assert not cls.la_deliverable, "an event not about a known child must never reach an LA"
        assert cls.key_field in cls.model_fields


def test_types_are_unique_and_versions_run_from_one_without_gaps() -> None:
    families = {cls.family() for cls in ALL}
    for family in families:
        assert [cls.version() for cls in versions_of(family)] == list(range(1, len(versions_of(family)) + 1))
    assert len(current_event_classes()) == len(families)


def test_every_superseded_version_has_an_upcaster_to_the_next() -> None:
    for cls in ALL:
        if current_class(cls.family()) is not cls:
            step = UPCASTERS[cls.event_type]
            assert step.target.family() == cls.family()
            assert step.target.version() == cls.version() + 1


def test_unknown_types_are_refused() -> None:
    with pytest.raises(UnknownEventType):
        event_class("pathfinder.notifications.no-such-event.v1")


def test_each_service_produces_on_its_own_topics() -> None:
    assert topics_produced_by("notifications") == ["pathfinder.notifications.early-years"]
    assert topics_produced_by("ehcp") == ["pathfinder.ehcp.lifecycle"]
    assert topics_produced_by("health-advice") == ["pathfinder.health-advice.requests"]
    assert topics_produced_by("identity") == ["pathfinder.identity.persons"]


def test_the_catalogue_covers_the_statutory_flows() -> None:
    names = {cls.__name__ for cls in current_event_classes()}
    assert {
        "EarlyYearsNotificationReceived",
        "EarlyYearsNotificationRejected",
        "EarlyYearsNotificationDeliveredToLa",
        "EarlyYearsNotificationAcknowledgedByLa",
        "EarlyYearsNotificationWithdrawn",
        "EarlyYearsNotificationCorrected",
        "AssessmentRequested",
        "AssessmentDecisionMade",
        "AdviceRequested",
        "AdviceReceived",
        "DraftPlanIssued",
        "FinalPlanIssued",
        "DecisionNotToIssuePlan",
        "PlanAmended",
        "PlanCeased",
        "ReviewDue",
        "ReviewHeld",
        "ReviewDecided",
        "PhaseTransferDue",
        "ExceptionRecorded",
        "ExceptionCleared",
        "HealthAdviceRequested",
        "HealthAdviceAccepted",
        "HealthAdviceSubmitted",
        "HealthAdviceDueSoon",
        "HealthAdviceOverdue",
        "HealthAdviceClockStopped",
        "HealthAdviceClockRestarted",
        "PersonLinked",
        "PersonUnlinked",
        "PersonsMerged",
        "PersonsUnmerged",
        "PersonErased",
    } <= names
