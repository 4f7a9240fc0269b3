# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""An advice request to health as ServiceRequest + Task: the statutory clock in the Task, round-trips, and
rejection of anything else with an OperationOutcome."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from contracts_kit import JSON_VALUES, element_paths
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pathfinder.contracts.fhir.advice_codes import (
    ADVICE_KINDS,
    CLOCK_STATE_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    CLOCK_STOP_REASONS,
    TASK_CODE_SYSTEM,
)
from pathfinder.contracts.fhir.advice_request import (
    AdviceRequestStatus,
    AdviceRequestView,
    ClockStop,
    advice_request_resources,
)
from pathfinder.contracts.fhir.advice_request_reader import parse_advice_request
from pathfinder.contracts.fhir.nhs_number import nhs_number_check_digit
from pathfinder.contracts.fhir.outcome import FhirInputRejected, SpineErrorCode
from pathfinder.contracts.fhir.systems import NHS_NUMBER, NHS_NUMBER_LEGACY
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceKind

BASE_URL = "https://api.pathfinder-send.org/fhir"
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VIEW = AdviceRequestView(
    advice_request_id=UUID("7d3f1c9a-2b4e-4c61-9a57-0f1e2d3c4b5a"),
    person_id=UUID("0b8f6a52-8a39-4c3e-b7de-5f3c2a1e9d70"),
    nhs_number="9990000018",
    requesting_la="841",
    health_body="16C",
    requested_on=date(2025, 1, 6),
    statutory_due_date=date(2025, 2, 24),
    status=AdviceRequestStatus.ACCEPTED,
)


def resources(view: AdviceRequestView = VIEW) -> tuple[dict[str, Any], dict[str, Any]]:
    service_request, task = advice_request_resources(view, base_url=BASE_URL)
    return json.loads(json.dumps(service_request)), json.loads(json.dumps(task))


def issue_codes(rejection: pytest.ExceptionInfo[FhirInputRejected]) -> dict[str, SpineErrorCode | None]:
    return {expression: issue.spine_code for issue in rejection.value.issues for expression in issue.expression}


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    first_nine = draw(st.text("0123456789", min_size=9, max_size=9))
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    return f"{first_nine}{check}"


@st.composite
def views(draw: st.DrawFn) -> AdviceRequestView:
    requested_on = draw(st.dates(date(2014, 9, 1), date(2040, 1, 1)))
    stops = draw(
        st.lists(
            st.builds(
                lambda reason, start, length: ClockStop(
                    reason=reason,
                    started_on=requested_on + timedelta(days=start),
                    ended_on=None if length is None else requested_on + timedelta(days=start + length),
                ),
                st.sampled_from(AdviceClockStopReason),
                st.integers(0, 200),
                st.none() | st.integers(0, 120),
            ),
            max_size=3,
        )
    )
    owner = draw(st.sampled_from((None, "owner_team", "assigned_to")))
    owned = {owner: draw(st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,40}\Z"))} if owner else {}
    return AdviceRequestView(
        **owned,
        advice_request_id=draw(st.uuids()),
        person_id=draw(st.uuids()),
        nhs_number=draw(st.none() | nhs_numbers()),
        requesting_la=draw(st.from_regex(r"\A[0-9]{3}\Z")),
        health_body=draw(st.from_regex(r"\A[A-Z0-9]{3,10}\Z")),
        advice_kind=draw(st.sampled_from(AdviceKind)),
        requested_on=requested_on,
        statutory_due_date=requested_on + timedelta(days=42 + draw(st.integers(0, 400))),
        status=draw(st.sampled_from(AdviceRequestStatus)),
        clock_stops=tuple(stops),
    )


@given(views())
@PROPERTY
def test_build_then_parse_gives_the_same_view(view: AdviceRequestView) -> None:
    assert parse_advice_request(*resources(view)) == view


@given(views())
@PROPERTY
def test_built_resources_are_valid_r4_with_the_due_date_in_the_task(view: AdviceRequestView) -> None:
    service_request, task = resources(view)
    ServiceRequest.model_validate(service_request)
    assert task["restriction"]["period"]["end"] == view.statutory_due_date.isoformat()
    Task.model_validate(task)
    assert task["code"]["coding"] == [
        {"system": TASK_CODE_SYSTEM, "code": "fulfill", "display": "Fulfill the focal request"}
    ]
    assert len([e for e in task.get("extension", []) if e["url"] == CLOCK_STOP_EXTENSION]) == len(view.clock_stops)


def test_every_advice_kind_and_clock_stop_reason_has_a_code_system_entry() -> None:
    assert set(ADVICE_KINDS) == set(AdviceKind)
    assert set(CLOCK_STOP_REASONS) == set(AdviceClockStopReason)
    assert all("reg 8(2)" in display for display in CLOCK_STOP_REASONS.values())


def test_the_task_fulfils_the_service_request_for_the_child_from_the_la_to_the_health_body() -> None:
    service_request, task = resources()
    assert task["focus"]["reference"] == f"{BASE_URL}/ServiceRequest/{VIEW.advice_request_id}"
    assert task["for"] == service_request["subject"]
    assert service_request["subject"]["identifier"] == {"system": NHS_NUMBER, "value": "9990000018"}
    assert task["owner"] == service_request["performer"][0]
    assert task["owner"]["identifier"]["value"] == "16C"
    assert task["requester"] == service_request["requester"]
    assert task["restriction"] == {"period": {"end": "2025-02-24"}}
    assert task["authoredOn"] == service_request["authoredOn"] == "2025-01-06"
    assert (service_request["status"], service_request["intent"], task["status"]) == ("active", "order", "accepted")


def test_without_an_nhs_number_the_child_is_only_the_platform_person() -> None:
    service_request, _ = resources(VIEW.model_copy(update={"nhs_number": None}))
    assert service_request["subject"] == {"reference": f"{BASE_URL}/Patient/{VIEW.person_id}", "type": "Patient"}


def test_business_status_is_the_reason_of_the_open_clock_stop_and_every_stop_is_kept() -> None:
    stops = (
        ClockStop(reason="missed-appointment", started_on=date(2025, 1, 20), ended_on=date(2025, 1, 27)),
        ClockStop(reason="absent-from-area", started_on=date(2025, 2, 1)),
    )
    _, task = resources(VIEW.model_copy(update={"clock_stops": stops, "statutory_due_date": date(2025, 3, 3)}))
    reason = AdviceClockStopReason.ABSENT_FROM_AREA
    assert task["businessStatus"]["coding"] == [
        {"system": CLOCK_STOP_REASON_SYSTEM, "code": "absent-from-area", "display": CLOCK_STOP_REASONS[reason]}
    ]
    assert [[part["url"] for part in stop["extension"]] for stop in task["extension"]] == [["reason", "period"]] * 2
    assert task["extension"][0]["extension"][1]["valuePeriod"] == {"start": "2025-01-20", "end": "2025-01-27"}
    assert task["extension"][1]["extension"][1]["valuePeriod"] == {"start": "2025-02-01"}


@pytest.mark.parametrize(
    ("status", "stops", "code"),
    [
        (AdviceRequestStatus.REQUESTED, (), "on-clock"),
        (
            AdviceRequestStatus.IN_PROGRESS,
            (ClockStop(reason="missed-appointment", started_on=date(2025, 1, 9), ended_on=date(2025, 1, 10)),),
            "on-clock",
        ),
        (
            AdviceRequestStatus.SUBMITTED,
            (ClockStop(reason="missed-appointment", started_on=date(2025, 1, 9)),),
            "closed",
        ),
        (AdviceRequestStatus.CANCELLED, (), "closed"),
    ],
)
def test_business_status_is_a_clock_state_when_no_stop_is_open(status, stops, code) -> None:
    _, task = resources(VIEW.model_copy(update={"status": status, "clock_stops": stops}))
    assert [(c["system"], c["code"]) for c in task["businessStatus"]["coding"]] == [(CLOCK_STATE_SYSTEM, code)]


@pytest.mark.parametrize(
    ("status", "task_status", "request_status"),
    [
        ("requested", "requested", "active"),
        ("accepted", "accepted", "active"),
        ("in-progress", "in-progress", "active"),
        ("submitted", "completed", "completed"),
        ("cancelled", "cancelled", "revoked"),
    ],
)
def test_status_maps_to_task_and_service_request(status, task_status, request_status) -> None:
    service_request, task = resources(VIEW.model_copy(update={"status": AdviceRequestStatus(status)}))
    assert (task["status"], service_request["status"]) == (task_status, request_status)


def test_the_legacy_nhs_number_system_is_accepted_and_the_r4_one_emitted() -> None:
    service_request, task = resources()
    for resource, element in ((service_request, "subject"), (task, "for")):
        resource[element]["identifier"] = {"system": NHS_NUMBER_LEGACY, "value": "999 000 0018"}
    view = parse_advice_request(service_request, task)
    assert view.nhs_number == "9990000018"
    assert advice_request_resources(view, base_url=BASE_URL)[0]["subject"]["identifier"]["system"] == NHS_NUMBER


def test_an_invalid_nhs_number_is_rejected_without_repeating_it() -> None:
    service_request, task = resources()
    service_request["subject"]["identifier"]["value"] = "9912003890"  # BabyPatient: fails Modulus 11
    with pytest.raises(FhirInputRejected) as rejected:
        parse_advice_request(service_request, task)
    assert issue_codes(rejected)["ServiceRequest.subject.identifier.value"] is SpineErrorCode.INVALID_NHS_NUMBER
    assert "9912003890" not in json.dumps(rejected.value.operation_outcome())


@pytest.mark.parametrize(
    ("element", "change", "expression", "spine_code"),
    [
        (
            "task",
            lambda t: t["focus"].update(reference="ServiceRequest/1", identifier={"system": "x", "value": "1"}),
            "Task.focus",
            SpineErrorCode.CONFLICTING_VALUES,
        ),
        (
            "task",
            lambda t: t["owner"]["identifier"].update(value="RR8"),
            "Task.owner",
            SpineErrorCode.CONFLICTING_VALUES,
        ),
        (
            "task",
            lambda t: t["businessStatus"]["coding"][0].update(code="closed"),
            "Task.businessStatus",
            SpineErrorCode.CONFLICTING_VALUES,
        ),
        ("task", lambda t: t.update(status="on-hold"), "Task.status", SpineErrorCode.INVALID_CODE_VALUE),
        (
            "task",
            lambda t: t["code"]["coding"][0].update(code="approve"),
            "Task.code",
            SpineErrorCode.INVALID_CODE_VALUE,
        ),
        ("task", lambda t: t.pop("restriction"), "Task.restriction.period.end", SpineErrorCode.MISSING_VALUE),
        (
            "task",
            lambda t: t.update(modifierExtension=[{"url": "https://x.org/m", "valueBoolean": True}]),
            "Task.modifierExtension",
            SpineErrorCode.NOT_IMPLEMENTED,
        ),
        (
            "service_request",
            lambda s: s.update(status="completed"),
            "ServiceRequest.status",
            SpineErrorCode.CONFLICTING_VALUES,
        ),
        (
            "service_request",
            lambda s: s["requester"]["identifier"].update(system="https://x.org/la"),
            "ServiceRequest.requester.identifier",
            SpineErrorCode.MISSING_VALUE,
        ),
        (
            "service_request",
            lambda s: s["subject"]["identifier"].update(system="urn:oid:2.16.840.1.113883.2.1.4.1"),
            "ServiceRequest.subject.identifier.system",
            SpineErrorCode.INVALID_IDENTIFIER_SYSTEM,
        ),
        (
            "service_request",
            lambda s: s.update(authoredOn="2025-01"),
            "ServiceRequest.authoredOn",
            SpineErrorCode.INVALID_VALUE,
        ),
    ],
)
def test_inconsistent_or_incomplete_pairs_are_rejected_naming_the_element(
    element, change, expression, spine_code
) -> None:
    service_request, task = resources()
    change(task if element == "task" else service_request)
    with pytest.raises(FhirInputRejected) as rejected:
        parse_advice_request(service_request, task)
    assert issue_codes(rejected)[expression] is spine_code


def test_a_clock_stop_with_an_unknown_reason_is_rejected() -> None:
    stop = ClockStop(reason="missed-appointment", started_on=date(2025, 1, 9))
    service_request, task = resources(VIEW.model_copy(update={"clock_stops": (stop,)}))
    for coding in (task["extension"][0]["extension"][0]["valueCoding"], task["businessStatus"]["coding"][0]):
        coding["code"] = "waiting-list"  # never an exception
    with pytest.raises(FhirInputRejected) as rejected:
        parse_advice_request(service_request, task)
    assert issue_codes(rejected)["Task.extension[0].extension"] is SpineErrorCode.INVALID_CODE_VALUE


def test_uk_core_examples_parse_as_r4_but_are_not_advice_requests(uk_core_example) -> None:
    service_request = uk_core_example("ServiceRequest-ECG")
    task = uk_core_example("Task-Colonoscopy")
    ServiceRequest.model_validate(service_request)
    assert Task.model_validate(task).code == CodeableConcept.model_validate(task["code"])
    assert task["code"]["coding"][0]["code"] == "fulfill"
    with pytest.raises(FhirInputRejected) as rejected:
        parse_advice_request(service_request, task)
    assert {
        "ServiceRequest.identifier",
        "ServiceRequest.category",
        "ServiceRequest.code",
        "ServiceRequest.subject.reference",
        "ServiceRequest.requester.identifier",
        "ServiceRequest.performer[0].identifier",
        "Task.for.reference",
        "Task.requester.identifier",
        "Task.owner.identifier",
    } <= set(issue_codes(rejected))


@st.composite
def corrupted(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """The document with one element deleted or replaced by any JSON_VALUES value."""
    document = copy.deepcopy(document)
    path = draw(st.sampled_from(element_paths(document)[1:]))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(JSON_VALUES)
    return document


def parses_or_is_rejected_with_issues(service_request: object, task: object) -> None:
    try:
        parse_advice_request(service_request, task)
    except FhirInputRejected as rejected:
        outcome = rejected.operation_outcome()
    else:
        return
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"]


@given(st.data())
@PROPERTY
def test_a_corrupted_element_is_rejected_with_an_outcome_and_never_crashes(data: st.DataObject) -> None:
    stop = ClockStop(reason="exceptional-circumstances", started_on=date(2025, 1, 9))
    service_request, task = resources(VIEW.model_copy(update={"clock_stops": (stop,)}))
    if data.draw(st.booleans()):
        parses_or_is_rejected_with_issues(data.draw(corrupted(service_request)), task)
    else:
        parses_or_is_rejected_with_issues(service_request, data.draw(corrupted(task)))


@given(JSON_VALUES)
@PROPERTY
def test_any_json_is_rejected_with_an_outcome(value: object) -> None:
    service_request, task = resources()
    with pytest.raises(FhirInputRejected):
        parse_advice_request(value, task)
    with pytest.raises(FhirInputRejected):
        parse_advice_request(service_request, value)


@given(st.dictionaries(st.sampled_from(["id", "status", "intent", "subject", "code", "for", "focus"]), JSON_VALUES))
@PROPERTY
def test_resources_with_random_elements_are_rejected_with_an_outcome(elements: dict[str, Any]) -> None:
    service_request, task = resources()
    with pytest.raises(FhirInputRejected):
        parse_advice_request({"resourceType": "ServiceRequest", **elements}, task)
    with pytest.raises(FhirInputRejected):
        parse_advice_request(service_request, {"resourceType": "Task", **elements})


def test_a_boolean_where_a_url_is_due_is_rejected_with_an_outcome() -> None:
    service_request, task = resources()
    task["extension"] = [{"url": "https://example.org/x", "valueUrl": False}]
    with pytest.raises(FhirInputRejected) as rejected:
        parse_advice_request(service_request, task)
    assert issue_codes(rejected) == {"Task": SpineErrorCode.INVALID_RESOURCE}
