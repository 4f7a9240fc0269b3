"""Rejections as OperationOutcome: Spine codes, FHIRPath locations, no input values, and reading resources."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.resource import Resource
from hypothesis import given, settings
from hypothesis import strategies as st
from pathfinder.contracts.fhir.outcome import (
    FhirInputRejected,
    OutcomeIssue,
    SpineErrorCode,
    issues_from_validation_error,
    operation_outcome,
    parse_resource,
)
from pathfinder.contracts.fhir.systems import SPINE_ERROR_OR_WARNING_CODE, SPINE_ERROR_OR_WARNING_CODE_STU3
from pydantic import ValidationError

EXAMPLES = sorted((Path(__file__).parent / "examples").glob("*.json"))
SECRET = "Melanie-9912003890"
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


def rejection(document: object, expected: type[Any] = Patient) -> FhirInputRejected:
    with pytest.raises(FhirInputRejected) as raised:
        parse_resource(document, expected)
    return raised.value


def validated(outcome: dict[str, Any]) -> OperationOutcome:
    return OperationOutcome.model_validate(outcome)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_every_uk_core_example_parses_into_its_r4b_model(path: Path) -> None:
    document = json.loads(path.read_text())
    model = get_fhir_model_class(document["resourceType"])
    assert issubclass(model, Resource)
    resource = parse_resource(document, model)
    assert isinstance(resource, model)
    assert resource.id == document["id"]


def test_a_parsed_resource_has_the_expected_class(uk_core_example: Callable[[str], dict[str, Any]]) -> None:
    patient = parse_resource(uk_core_example("Patient-BabyPatient"), Patient)
    assert patient.birthDate is not None
    assert patient.get_resource_type() == "Patient"


def test_spine_codes_carry_the_system_that_defines_them_and_its_display() -> None:
    for code in SpineErrorCode:
        assert code.system in (SPINE_ERROR_OR_WARNING_CODE, SPINE_ERROR_OR_WARNING_CODE_STU3)
        assert code.display
    assert SpineErrorCode.INVALID_NHS_NUMBER.system == SPINE_ERROR_OR_WARNING_CODE_STU3
    assert SpineErrorCode.INVALID_NHS_NUMBER.display == "Invalid NHS number"
    assert SpineErrorCode.MISSING_VALUE.system == SPINE_ERROR_OR_WARNING_CODE
    assert SpineErrorCode.ACCESS_DENIED == "ACCESS_DENIED"
    assert SpineErrorCode.DUPLICATE_REJECTED.display == "Create would lead to creation of a duplicate resource"


@pytest.mark.parametrize(
    ("code", "severity", "diagnostics"),
    [("nonsense", "error", "x"), ("invalid", "boom", "x"), ("invalid", "error", " ")],
)
def test_an_issue_must_use_fhir_codes_and_say_something(code: str, severity: Any, diagnostics: str) -> None:
    with pytest.raises(ValueError, match=r"IssueType|IssueSeverity|diagnostics"):
        OutcomeIssue(code, diagnostics, severity=severity)


def test_the_operation_outcome_is_r4_fhir_json_with_spine_details() -> None:
    issues = [
        OutcomeIssue("value", "NHS number fails the Modulus 11 check", SpineErrorCode.INVALID_NHS_NUMBER, ("A.b",)),
        OutcomeIssue("required", "birthDate is required", severity="fatal"),
    ]
    outcome = operation_outcome(issues)
    validated(outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    first, second = outcome["issue"]
    assert first == {
        "severity": "error",
        "code": "value",
        "details": {
            "coding": [
                {
                    "system": SPINE_ERROR_OR_WARNING_CODE_STU3,
                    "code": "INVALID_NHS_NUMBER",
                    "display": "Invalid NHS number",
                }
            ]
        },
        "diagnostics": "NHS number fails the Modulus 11 check",
        "expression": ["A.b"],
    }
    assert second == {"severity": "fatal", "code": "required", "diagnostics": "birthDate is required"}


def test_a_rejection_is_a_value_error_with_at_least_one_issue() -> None:
    issue = OutcomeIssue("invalid", "Not acceptable")
    rejected = FhirInputRejected([issue])
    assert isinstance(rejected, ValueError)
    assert rejected.issues == (issue,)
    assert str(rejected) == "Not acceptable"
    assert rejected.operation_outcome() == operation_outcome([issue])
    with pytest.raises(ValueError, match="at least one issue"):
        FhirInputRejected([])


@pytest.mark.parametrize("document", [None, [], "Patient", 3, 2.5, True])
def test_a_resource_must_be_a_json_object(document: object) -> None:
    (issue,) = rejection(document).issues
    assert issue.spine_code is SpineErrorCode.MESSAGE_NOT_WELL_FORMED
    assert issue.code == "structure"


def test_a_missing_or_different_resource_type_is_rejected_without_echoing_it() -> None:
    (missing,) = rejection({"id": "x"}).issues
    assert missing.spine_code is SpineErrorCode.MISSING_VALUE
    (different,) = rejection({"resourceType": SECRET}).issues
    assert different.spine_code is SpineErrorCode.INVALID_RESOURCE
    assert different.diagnostics == "Expected a Patient resource"
    assert SECRET not in json.dumps(rejection({"resourceType": SECRET}).operation_outcome())


def test_validation_errors_are_located_by_fhirpath_under_the_root() -> None:
    document = {
        "resourceType": "Patient",
        "birthDate": SECRET,
        "gender": ["female"],
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": 9912003890}],
        SECRET: "x",
        "name": [{"given": "Melanie", "_family": {"extension": [{"valueString": SECRET}]}}],
    }
    with pytest.raises(FhirInputRejected) as raised:
        parse_resource(document, Patient, root="Bundle.entry[2].resource")
    where = {issue.expression: issue for issue in raised.value.issues}
    assert where[("Bundle.entry[2].resource.birthDate",)].spine_code is SpineErrorCode.INVALID_VALUE
    assert where[("Bundle.entry[2].resource.gender",)].diagnostics == "Must be a string"
    assert ("Bundle.entry[2].resource.identifier[0].value",) in where
    assert where[("Bundle.entry[2].resource",)].spine_code is SpineErrorCode.ADDITIONAL_PROPERTIES
    assert where[("Bundle.entry[2].resource.name[0].given",)].diagnostics == "Must be an array"
    assert where[("Bundle.entry[2].resource.name[0].family.extension[0].url",)].code == "required"
    outcome = json.dumps(raised.value.operation_outcome())
    assert SECRET not in outcome
    assert "9912003890" not in outcome
    assert "Melanie" not in outcome


def test_unknown_or_misplaced_resources_inside_a_bundle_are_rejected() -> None:
    for resource in ({"resourceType": SECRET}, {"resourceType": ["x"]}, {"resourceType": 7}, "not json", SECRET):
        document = {"resourceType": "Bundle", "type": "message", "entry": [{"resource": resource}]}
        outcome = rejection(document, Bundle).operation_outcome()
        validated(outcome)
        assert SECRET not in json.dumps(outcome)


def test_library_failures_on_malformed_input_become_rejections() -> None:
    # fhir.resources raises AttributeError, not a ValidationError, for a number where a url belongs.
    header = {"resourceType": "MessageHeader", "eventCoding": {"code": "x"}, "source": {"endpoint": 0}}
    (issue,) = rejection({"resourceType": "Bundle", "type": "message", "entry": [{"resource": header}]}, Bundle).issues
    assert issue.spine_code is SpineErrorCode.INVALID_RESOURCE
    assert issue.expression == ("Bundle",)


def test_issues_are_taken_from_the_validation_error_without_input_values() -> None:
    with pytest.raises(ValidationError) as raised:
        Patient.model_validate({"resourceType": "Patient", "birthDate": "2021-02-30", "active": SECRET})
    issues = issues_from_validation_error(raised.value, root="Patient")
    assert {issue.expression for issue in issues} == {("Patient.birthDate",), ("Patient.active",)}
    assert all(SECRET not in issue.diagnostics and "2021" not in issue.diagnostics for issue in issues)


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_any_json_is_read_or_rejected_with_a_valid_operation_outcome(document: Any) -> None:
    for expected in (Patient, Bundle):
        try:
            parse_resource(document, expected)
        except FhirInputRejected as rejected:
            outcome = rejected.operation_outcome()
            validated(outcome)
            assert outcome["issue"]


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "birthDate", "gender", "name", "identifier", "active", "x"]), JSON))
def test_any_patient_shaped_json_is_read_or_rejected(document: dict[str, Any]) -> None:
    try:
        parse_resource({"resourceType": "Patient", **document}, Patient)
    except FhirInputRejected as rejected:
        validated(rejected.operation_outcome())


def test_one_answer_never_mixes_the_r4_and_stu3_spine_code_systems() -> None:
    def systems(*codes: SpineErrorCode) -> set[str]:
        document = operation_outcome([OutcomeIssue("value", "x", code, ("Patient.birthDate",)) for code in codes])
        return {coding["system"] for issue in document["issue"] for coding in issue["details"]["coding"]}

    assert systems(SpineErrorCode.MISSING_VALUE, SpineErrorCode.INVALID_VALUE) == {SPINE_ERROR_OR_WARNING_CODE}
    mixed = operation_outcome(
        [
            OutcomeIssue("required", "missing", SpineErrorCode.MISSING_VALUE, ("Patient.birthDate",)),
            OutcomeIssue("value", "bad", SpineErrorCode.INVALID_NHS_NUMBER, ("Patient.identifier[0].value",)),
        ]
    )
    codings = [issue["details"]["coding"][0] for issue in mixed["issue"]]
    assert {coding["system"] for coding in codings} == {SPINE_ERROR_OR_WARNING_CODE_STU3}
    assert [coding["code"] for coding in codings] == ["INVALID_RESOURCE", "INVALID_NHS_NUMBER"]
    for code in SpineErrorCode:  # every code can be said in STU3, so every answer has one system
        assert len(systems(code, SpineErrorCode.INVALID_NHS_NUMBER)) == 1


def test_a_wrong_or_missing_resource_type_is_located_at_resource_type() -> None:
    for document in ({"resourceType": "Patient"}, {"type": "message"}):
        (issue,) = rejection(document, Bundle).issues
        assert issue.expression == ("Bundle.resourceType",)
