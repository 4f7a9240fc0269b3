"""s23 early-years notifications assembled from the real UK Core examples, read into submissions or rejected
with an OperationOutcome that locates the problem and carries no personal data."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pathfinder.contracts.fhir.early_years import (
    EarlyYearsNotificationSubmission,
    ReasonCoding,
    early_years_communication,
    early_years_message_bundle,
    parse_early_years_notification,
)
from pathfinder.contracts.fhir.nhs_number import NhsNumberVerificationStatus
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode
from pathfinder.contracts.fhir.systems import (
    CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS,
    CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES,
    DFE_LA_CODE,
    DISCUSSION_OFFERED_DATE,
    EARLY_YEARS_NOTIFICATION_EVENT,
    GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS,
    GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES,
    MESSAGE_EVENT,
    NHS_NUMBER,
    NHS_NUMBER_LEGACY,
    NHS_NUMBER_OID,
    ODS_ORGANIZATION_CODE,
    OPINION_FORMED_DATE,
    PARENT_INFORMED_DATE,
    UK_CORE_NHS_NUMBER_VERIFICATION_STATUS,
    VOLUNTARY_ORGANISATIONS_SIGNPOSTED,
)

Example = Callable[[str], dict[str, Any]]
Document = dict[str, Any]
TEST_NHS_NUMBER = "9990000018"
BABY_PATIENT_NHS_NUMBER = "9912003890"  # as published in UK Core: fails Modulus 11
CHILD_DATA = (BABY_PATIENT_NHS_NUMBER, TEST_NHS_NUMBER, "Melanie", "JONES", "2021-02-11", "Fearnville", "LS8 3DR")
SNOMED = "http://snomed.info/sct"
COMMUNICATION_URL = "urn:uuid:0b1e6d0c-5d3e-4c9a-9a55-4b1f7c2f1a11"

# Entries of the message, by index
HEADER, COMMUNICATION, PATIENT, TRUST, LA = range(5)
AT = {
    HEADER: "Bundle.entry[0].resource",
    COMMUNICATION: "Bundle.entry[1].resource",
    PATIENT: "Bundle.entry[2].resource",
    TRUST: "Bundle.entry[3].resource",
    LA: "Bundle.entry[4].resource",
}


def s23_message(example: Example, nhs_number: str | None = TEST_NHS_NUMBER) -> Document:
    """A message Bundle from the UK Core examples, adapted only where the s23 shape needs it: the event, the
    focus, the s23 extensions, the sender (the example names a practitioner) and the recipient LA."""
    header = example("MessageHeader-Discharge")
    header["eventCoding"] = {"system": MESSAGE_EVENT, "code": EARLY_YEARS_NOTIFICATION_EVENT}
    header["focus"] = [{"reference": COMMUNICATION_URL}]
    communication = example("Communication-FirstMMRVaccination")
    communication["extension"] = [
        {"url": OPINION_FORMED_DATE, "valueDate": "2022-12-01"},
        {"url": PARENT_INFORMED_DATE, "valueDate": "2022-12-02"},
        {"url": DISCUSSION_OFFERED_DATE, "valueDate": "2022-12-05"},
        {"url": VOLUNTARY_ORGANISATIONS_SIGNPOSTED, "valueBoolean": True},
    ]
    communication["sender"] = {"reference": "Organization/UKCore-Organization-LeedsTeachingHospital-Example"}
    communication["recipient"] = [{"reference": "urn:uuid:5d0c8a4e-2f0b-4c55-8d7e-6f1f2b1c9e01"}]
    communication["reasonCode"] = [{"coding": [{"system": SNOMED, "code": "248290002"}]}]
    patient = example("Patient-BabyPatient")
    if nhs_number is not None:
        patient["identifier"][0]["value"] = nhs_number
    trust = example("Organization-LeedsTeachingHospital")
    la = {"resourceType": "Organization", "identifier": [{"system": DFE_LA_CODE, "value": "841"}], "name": "LA"}
    return {
        "resourceType": "Bundle",
        "id": "5b0b9b7e-8a0e-4c43-9a39-3f3e6f0c2d10",
        "type": "message",
        "timestamp": "2022-12-11T13:00:00Z",
        "entry": [
            {"fullUrl": "urn:uuid:7c1a6a3e-0f62-4d55-9b35-8d2f5a1e4b20", "resource": header},
            {"fullUrl": COMMUNICATION_URL, "resource": communication},
            {"fullUrl": "https://fhir.example.nhs.uk/Patient/UKCore-Patient-BabyPatient-Example", "resource": patient},
            {"fullUrl": "urn:uuid:1e8f5c77-3b6f-4a8e-9b1d-0c9d2e7f6a30", "resource": trust},
            {"fullUrl": "urn:uuid:5d0c8a4e-2f0b-4c55-8d7e-6f1f2b1c9e01", "resource": la},
        ],
    }


def bare_communication(example: Example) -> Document:
    """The same notification as a bare Communication: the child contained, sender and recipient logical."""
    message = s23_message(example)
    communication: Document = message["entry"][COMMUNICATION]["resource"]
    patient: Document = message["entry"][PATIENT]["resource"]
    patient["id"] = "child"
    communication["contained"] = [patient]
    communication["subject"] = {"reference": "#child"}
    communication["sender"] = {"identifier": {"system": ODS_ORGANIZATION_CODE, "value": "RR8"}}
    communication["recipient"] = [{"identifier": {"system": DFE_LA_CODE, "value": "841"}}]
    communication["identifier"] = [{"system": "https://fhir.leedsth.nhs.uk/Id/notification", "value": "N-0001"}]
    return communication


def resource(document: Document, index: int) -> Document:
    found: Document = document["entry"][index]["resource"]
    return found


def rejected(document: object) -> FhirInputRejected:
    with pytest.raises(FhirInputRejected) as raised:
        parse_early_years_notification(document)
    outcome = raised.value.operation_outcome()
    OperationOutcome.model_validate(outcome)
    for text in (json.dumps(outcome), str(raised.value)):
        assert not any(value in text for value in CHILD_DATA), "personal data in the outcome"
    return raised.value


def only_issue(document: object) -> OutcomeIssue:
    (issue,) = rejected(document).issues
    return issue


def test_a_message_built_from_uk_core_examples_maps_to_a_submission(uk_core_example: Example) -> None:
    submission = parse_early_years_notification(s23_message(uk_core_example))
    assert submission.message_id == "UKCore-MessageHeader-Discharge-Example"
    assert submission.submission_format == "fhir-message"
    assert submission.notifying_organisation == "RR8"
    assert submission.responsible_la == "841"
    assert submission.opinion_formed_on == date(2022, 12, 1)
    assert submission.parent_informed_on == date(2022, 12, 2)
    assert submission.discussion_offered_on == date(2022, 12, 5)
    assert submission.voluntary_organisations_signposted is True
    assert submission.sent_at == datetime(2022, 12, 11, 13, tzinfo=UTC)
    assert submission.reason_codes == (ReasonCoding(system=SNOMED, code="248290002"),)
    child = submission.child
    assert child.nhs_number == TEST_NHS_NUMBER
    assert child.nhs_number_verification is NhsNumberVerificationStatus.PRESENT_AND_VERIFIED
    assert child.given_names == ("Melanie",)
    assert child.family_name == "JONES"
    assert child.birth_date == date(2021, 2, 11)
    assert child.sex == "female"
    assert child.postcode == "LS8 3DR"
    assert child.address_lines == ("10 Fearnville Grove", "LEEDS")


def test_personal_data_stays_out_of_the_submission_repr(uk_core_example: Example) -> None:
    text = repr(parse_early_years_notification(s23_message(uk_core_example)))
    assert not any(value in text for value in CHILD_DATA)
    assert "248290002" not in text


def test_the_real_baby_patient_is_rejected_for_its_nhs_number(uk_core_example: Example) -> None:
    issue = only_issue(s23_message(uk_core_example, nhs_number=None))
    assert issue.spine_code is SpineErrorCode.INVALID_NHS_NUMBER
    assert issue.code == "value"
    assert issue.expression == (f"{AT[PATIENT]}.identifier[0].value",)
    assert issue.diagnostics == "NHS number fails the Modulus 11 check"


def test_a_bare_communication_with_a_contained_child_maps_the_same(uk_core_example: Example) -> None:
    from_message = parse_early_years_notification(s23_message(uk_core_example))
    submission = parse_early_years_notification(bare_communication(uk_core_example))
    assert submission.submission_format == "fhir-communication"
    assert submission.message_id == "N-0001"
    assert submission.model_dump(exclude={"message_id", "submission_format"}) == from_message.model_dump(
        exclude={"message_id", "submission_format"}
    )


def test_a_bare_communication_may_contain_its_organisations_and_fall_back_to_its_id(uk_core_example: Example) -> None:
    communication = bare_communication(uk_core_example)
    del communication["identifier"]
    trust = uk_core_example("Organization-LeedsTeachingHospital") | {"id": "trust"}
    la = {"resourceType": "Organization", "id": "la", "identifier": [{"system": DFE_LA_CODE, "value": "878"}]}
    communication["contained"] += [trust, la]
    communication["sender"] = {"reference": "#trust"}
    communication["recipient"] = [
        {"reference": "#la"},
        {"identifier": {"system": ODS_ORGANIZATION_CODE, "value": "X26"}},
    ]
    submission = parse_early_years_notification(communication)
    assert (submission.message_id, submission.notifying_organisation, submission.responsible_la) == (
        "UKCore-Communication-FirstMMRVaccination-Example",
        "RR8",
        "878",
    )


def test_the_bundle_id_is_the_message_id_when_the_header_has_none(uk_core_example: Example) -> None:
    message = s23_message(uk_core_example)
    del resource(message, HEADER)["id"]
    assert parse_early_years_notification(message).message_id == message["id"]


def test_without_a_recipient_la_the_la_is_left_to_the_postcode(uk_core_example: Example) -> None:
    message = s23_message(uk_core_example)
    del resource(message, COMMUNICATION)["recipient"]
    del message["entry"][LA]
    assert parse_early_years_notification(message).responsible_la is None


@pytest.mark.parametrize("system", [NHS_NUMBER, NHS_NUMBER_LEGACY])
@pytest.mark.parametrize(
    ("extension", "code_system"),
    [
        (
            UK_CORE_NHS_NUMBER_VERIFICATION_STATUS,
            "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland",
        ),
        (CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS, CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES),
        (GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS, GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES),
    ],
)
def test_both_nhs_number_systems_and_all_verification_extensions_are_read(
    uk_core_example: Example, system: str, extension: str, code_system: str
) -> None:
    message = s23_message(uk_core_example)
    resource(message, PATIENT)["identifier"] = [
        {
            "system": system,
            "value": "999 000 0026",
            "extension": [
                {"url": extension, "valueCodeableConcept": {"coding": [{"system": code_system, "code": "08"}]}}
            ],
        }
    ]
    submission = parse_early_years_notification(message)
    assert submission.child.nhs_number == "9990000026"
    assert submission.child.nhs_number_verification is NhsNumberVerificationStatus.TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS
    emitted = resource(early_years_message_bundle(submission, bundle_id="b"), PATIENT)["identifier"]
    assert emitted[0]["system"] == NHS_NUMBER
    assert emitted[0]["extension"][0]["url"] == UK_CORE_NHS_NUMBER_VERIFICATION_STATUS


def test_a_child_without_nhs_number_or_optional_facts_is_accepted(uk_core_example: Example) -> None:
    message = s23_message(uk_core_example)
    patient = resource(message, PATIENT)
    for element in ("identifier", "name", "gender", "address"):
        del patient[element]
    communication = resource(message, COMMUNICATION)
    communication["extension"] = communication["extension"][:1]
    del communication["reasonCode"]
    submission = parse_early_years_notification(message)
    assert submission.child.nhs_number is None
    assert submission.child.given_names == ()
    assert (submission.parent_informed_on, submission.voluntary_organisations_signposted) == (None, None)
    assert submission.reason_codes == ()


def test_postcodes_are_normalised_and_the_home_address_preferred(uk_core_example: Example) -> None:
    message = s23_message(uk_core_example)
    resource(message, PATIENT)["address"] = [
        {"use": "old", "postalCode": "DL1 5QT"},
        {"use": "work", "postalCode": "TS24 8AY"},
        {"use": "home", "line": ["1 High Street"], "postalCode": " dl3  6ab "},
    ]
    child = parse_early_years_notification(message).child
    assert (child.postcode, child.address_lines) == ("DL3 6AB", ("1 High Street",))


def mutate(change: Callable[[Document], object]) -> Callable[[Document], Document]:
    def apply(message: Document) -> Document:
        change(message)
        return message

    return apply


def header_(message: Document) -> Document:
    return resource(message, HEADER)


def communication_(message: Document) -> Document:
    return resource(message, COMMUNICATION)


def patient_(message: Document) -> Document:
    return resource(message, PATIENT)


REJECTIONS: list[tuple[str, Callable[[Document], Document], str, SpineErrorCode | None]] = [
    ("not a message", mutate(lambda m: m.update(type="collection")), "Bundle.type", SpineErrorCode.INVALID_VALUE),
    ("header not first", mutate(lambda m: m["entry"].reverse()), "Bundle.entry[0]", SpineErrorCode.INVALID_RESOURCE),
    (
        "another event",
        mutate(lambda m: header_(m)["eventCoding"].update(code="birth-notification")),
        f"{AT[HEADER]}.event",
        SpineErrorCode.UNSUPPORTED_VALUE,
    ),
    (
        "event from another system",
        mutate(lambda m: header_(m).update(eventCoding={"system": SNOMED, "code": "306689006"})),
        f"{AT[HEADER]}.event",
        SpineErrorCode.UNSUPPORTED_VALUE,
    ),
    ("no focus", mutate(lambda m: header_(m).pop("focus")), f"{AT[HEADER]}.focus", SpineErrorCode.MISSING_VALUE),
    (
        "two foci",
        mutate(lambda m: header_(m)["focus"].append({"reference": "Patient/x"})),
        f"{AT[HEADER]}.focus",
        SpineErrorCode.TOO_MANY_VALUES_SUBMITTED,
    ),
    (
        "focus unresolvable",
        mutate(lambda m: header_(m).update(focus=[{"reference": "Communication/elsewhere"}])),
        f"{AT[HEADER]}.focus[0]",
        SpineErrorCode.REFERENCE_NOT_FOUND,
    ),
    (
        "focus on the patient",
        mutate(lambda m: header_(m).update(focus=[{"reference": "Patient/UKCore-Patient-BabyPatient-Example"}])),
        f"{AT[HEADER]}.focus[0]",
        SpineErrorCode.INVALID_RESOURCE,
    ),
    (
        "no patient",
        mutate(lambda m: m["entry"].pop(PATIENT)),
        f"{AT[COMMUNICATION]}.subject",
        SpineErrorCode.REFERENCE_NOT_FOUND,
    ),
    (
        "no subject",
        mutate(lambda m: communication_(m).pop("subject")),
        f"{AT[COMMUNICATION]}.subject",
        SpineErrorCode.MISSING_VALUE,
    ),
    (
        "subject not a patient",
        mutate(
            lambda m: communication_(m).update(subject={"reference": "urn:uuid:1e8f5c77-3b6f-4a8e-9b1d-0c9d2e7f6a30"})
        ),
        f"{AT[COMMUNICATION]}.subject",
        SpineErrorCode.INVALID_RESOURCE,
    ),
    (
        "no birth date",
        mutate(lambda m: patient_(m).pop("birthDate")),
        f"{AT[PATIENT]}.birthDate",
        SpineErrorCode.MISSING_VALUE,
    ),
    (
        "birth month only",
        mutate(lambda m: patient_(m).update(birthDate="2021-02")),
        f"{AT[PATIENT]}.birthDate",
        SpineErrorCode.INVALID_VALUE,
    ),
    (
        "gender not a code",
        mutate(lambda m: patient_(m).update(gender="girl")),
        f"{AT[PATIENT]}.gender",
        SpineErrorCode.INVALID_CODE_VALUE,
    ),
    (
        "nine digits",
        mutate(lambda m: patient_(m)["identifier"][0].update(value="999000001")),
        f"{AT[PATIENT]}.identifier[0].value",
        SpineErrorCode.INVALID_NHS_NUMBER,
    ),
    (
        "NHS number as an OID",
        mutate(lambda m: patient_(m)["identifier"][0].update(system=NHS_NUMBER_OID)),
        f"{AT[PATIENT]}.identifier[0].system",
        SpineErrorCode.INVALID_IDENTIFIER_SYSTEM,
    ),
    (
        "NHS number in a misspelt system",
        mutate(lambda m: patient_(m)["identifier"][0].update(system="https://fhir.nhs.uk/Id/nhs-number-r4")),
        f"{AT[PATIENT]}.identifier[0].system",
        SpineErrorCode.INVALID_IDENTIFIER_SYSTEM,
    ),
    (
        "two NHS numbers",
        mutate(lambda m: patient_(m)["identifier"].append({"system": NHS_NUMBER_LEGACY, "value": "9990000026"})),
        f"{AT[PATIENT]}.identifier",
        SpineErrorCode.TOO_MANY_VALUES_SUBMITTED,
    ),
    (
        "verification status 09",
        mutate(
            lambda m: patient_(m)["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0].update(
                code="09"
            )
        ),
        f"{AT[PATIENT]}.identifier[0].extension[0].valueCodeableConcept",
        SpineErrorCode.INVALID_CODE_VALUE,
    ),
    (
        "not a UK postcode",
        mutate(lambda m: patient_(m)["address"][0].update(postalCode="75001")),
        f"{AT[PATIENT]}.address[0].postalCode",
        SpineErrorCode.INVALID_VALUE,
    ),
    (
        "sender a practitioner",
        mutate(lambda m: communication_(m).update(sender={"reference": "Practitioner/x", "display": "Dr"})),
        f"{AT[COMMUNICATION]}.sender",
        SpineErrorCode.REFERENCE_NOT_FOUND,
    ),
    (
        "sender without ODS code",
        mutate(lambda m: resource(m, TRUST)["identifier"][0].update(system="https://example.org/Id/local")),
        f"{AT[COMMUNICATION]}.sender",
        SpineErrorCode.MISSING_VALUE,
    ),
    (
        "ODS code malformed",
        mutate(lambda m: resource(m, TRUST)["identifier"][0].update(value="R")),
        f"{AT[TRUST]}.identifier[0].value",
        SpineErrorCode.INVALID_IDENTIFIER_VALUE,
    ),
    (
        "no sender",
        mutate(lambda m: communication_(m).pop("sender")),
        f"{AT[COMMUNICATION]}.sender",
        SpineErrorCode.MISSING_VALUE,
    ),
    (
        "LA code malformed",
        mutate(lambda m: resource(m, LA)["identifier"][0].update(value="84")),
        f"{AT[LA]}.identifier[0].value",
        SpineErrorCode.INVALID_IDENTIFIER_VALUE,
    ),
    (
        "two LAs",
        mutate(
            lambda m: communication_(m)["recipient"].append({"identifier": {"system": DFE_LA_CODE, "value": "805"}})
        ),
        f"{AT[COMMUNICATION]}.recipient",
        SpineErrorCode.TOO_MANY_VALUES_SUBMITTED,
    ),
    (
        "no opinion date",
        mutate(lambda m: communication_(m)["extension"].pop(0)),
        f"{AT[COMMUNICATION]}.extension('{OPINION_FORMED_DATE}')",
        SpineErrorCode.MISSING_VALUE,
    ),
    (
        "opinion month only",
        mutate(lambda m: communication_(m)["extension"][0].update(valueDate="2022-12")),
        f"{AT[COMMUNICATION]}.extension[0]",
        SpineErrorCode.INVALID_VALUE,
    ),
    (
        "opinion as text",
        mutate(lambda m: communication_(m)["extension"][0].update(valueDate=None, valueString="last week")),
        f"{AT[COMMUNICATION]}.extension[0]",
        SpineErrorCode.INVALID_VALUE,
    ),
    (
        "opinion twice",
        mutate(
            lambda m: communication_(m)["extension"].append({"url": OPINION_FORMED_DATE, "valueDate": "2022-11-01"})
        ),
        f"{AT[COMMUNICATION]}.extension('{OPINION_FORMED_DATE}')",
        SpineErrorCode.TOO_MANY_VALUES_SUBMITTED,
    ),
    (
        "signposting not a boolean",
        mutate(lambda m: communication_(m)["extension"][3].update(valueBoolean=None, valueCode="yes")),
        f"{AT[COMMUNICATION]}.extension[3]",
        SpineErrorCode.INVALID_VALUE,
    ),
    (
        "sent a date",
        mutate(lambda m: communication_(m).update(sent="2022-12-11")),
        f"{AT[COMMUNICATION]}.sent",
        SpineErrorCode.INVALID_VALUE,
    ),
    (
        "not sent",
        mutate(lambda m: communication_(m).pop("sent")),
        f"{AT[COMMUNICATION]}.sent",
        SpineErrorCode.MISSING_VALUE,
    ),
    (
        "entered in error",
        mutate(lambda m: communication_(m).update(status="entered-in-error")),
        f"{AT[COMMUNICATION]}.status",
        SpineErrorCode.UNSUPPORTED_VALUE,
    ),
    (
        "reason without system",
        mutate(lambda m: communication_(m)["reasonCode"][0]["coding"][0].pop("system")),
        f"{AT[COMMUNICATION]}.reasonCode[0].coding[0]",
        SpineErrorCode.INVALID_CODE_VALUE,
    ),
    (
        "modifier extension",
        mutate(
            lambda m: patient_(m).update(modifierExtension=[{"url": "https://example.org/x", "valueBoolean": True}])
        ),
        f"{AT[PATIENT]}.modifierExtension",
        None,
    ),
    (
        "invalid FHIR",
        mutate(lambda m: patient_(m).update(birthDate="11/02/2021")),
        f"{AT[PATIENT]}.birthDate",
        SpineErrorCode.INVALID_VALUE,
    ),
]


@pytest.mark.parametrize(
    ("change", "expression", "spine_code"), [case[1:] for case in REJECTIONS], ids=[c[0] for c in REJECTIONS]
)
def test_each_problem_is_rejected_at_its_fhirpath(
    uk_core_example: Example,
    change: Callable[[Document], Document],
    expression: str,
    spine_code: SpineErrorCode | None,
) -> None:
    issue = only_issue(change(s23_message(uk_core_example)))
    assert issue.expression == (expression,)
    assert issue.spine_code is spine_code
    assert issue.severity == "error"


def test_all_problems_of_a_notification_are_reported_together(uk_core_example: Example) -> None:
    message = s23_message(uk_core_example, nhs_number=None)
    del resource(message, PATIENT)["birthDate"]
    resource(message, COMMUNICATION)["extension"].pop(0)
    del resource(message, COMMUNICATION)["sender"]
    codes = {issue.spine_code for issue in rejected(message).issues}
    assert codes == {SpineErrorCode.INVALID_NHS_NUMBER, SpineErrorCode.MISSING_VALUE}
    assert len(rejected(message).issues) == 4


@pytest.mark.parametrize(
    "document", [None, 3, "Bundle", [], {}, {"resourceType": "Patient"}, {"resourceType": ["Bundle"]}]
)
def test_anything_but_a_bundle_or_communication_is_rejected(document: object) -> None:
    issue = only_issue(document)
    assert issue.spine_code in (SpineErrorCode.INVALID_RESOURCE, SpineErrorCode.MESSAGE_NOT_WELL_FORMED)


def test_the_built_message_and_communication_are_valid_fhir_and_read_back(uk_core_example: Example) -> None:
    submission = parse_early_years_notification(s23_message(uk_core_example))
    bundle = early_years_message_bundle(submission, bundle_id="5b0b9b7e-8a0e-4c43-9a39-3f3e6f0c2d10")
    assert Bundle.model_validate(bundle).type == "message"
    assert parse_early_years_notification(bundle) == submission
    communication = early_years_communication(
        submission, identifier_system="https://fhir.leedsth.nhs.uk/Id/notification"
    )
    assert Communication.model_validate(communication).status == "completed"
    assert parse_early_years_notification(communication) == submission.model_copy(
        update={"submission_format": "fhir-communication"}
    )


def test_the_submission_is_immutable(uk_core_example: Example) -> None:
    submission: EarlyYearsNotificationSubmission = parse_early_years_notification(s23_message(uk_core_example))
    with pytest.raises(ValueError, match="frozen"):
        submission.message_id = "other"  # type: ignore[misc]


def elements(node: Any, here: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [here] if here else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for step, child in children:
        found += elements(child, (*here, step))
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.booleans(), st.data())
def test_any_element_of_the_examples_deleted_or_retyped_is_read_or_cleanly_rejected(
    uk_core_example: Example, as_message: bool, data: st.DataObject
) -> None:
    document = s23_message(uk_core_example) if as_message else bare_communication(uk_core_example)
    location = data.draw(st.sampled_from(elements(document)))
    parent: Any = document
    for step in location[:-1]:
        parent = parent[step]
    replacement: object = data.draw(
        st.sampled_from([None, 0, -1.5, True, "", "x", [], {}, [copy.deepcopy(parent[location[-1]])]])
    )
    if data.draw(st.booleans()):
        del parent[location[-1]]
    else:
        parent[location[-1]] = replacement
    try:
        parse_early_years_notification(document)
    except FhirInputRejected:
        rejected(document)
