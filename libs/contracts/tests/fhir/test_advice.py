# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Advice returned by health as a DocumentReference or QuestionnaireResponse, read into a thin SubmittedAdvice
that keeps no clinical content."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from contracts_kit import JSON_VALUES, element_paths
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pathfinder.contracts.fhir.advice import (
    ANSWERED_ITEMS_EXTENSION,
    AdviceDocument,
    AdviceQuestionnaire,
    SubmittedAdvice,
    submitted_advice_resource,
)
from pathfinder.contracts.fhir.advice_codes import ADVICE_REQUEST_IDENTIFIER_SYSTEM
from pathfinder.contracts.fhir.advice_reader import parse_submitted_advice
from pathfinder.contracts.fhir.outcome import FhirInputRejected, SpineErrorCode
from pathfinder.contracts.fhir.systems import ODS_ORGANIZATION_CODE
from pathfinder.contracts.vocabulary import AdviceForm

BASE_URL = "https://api.pathfinder-send.org/fhir"
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REQUEST_ID = UUID("7d3f1c9a-2b4e-4c61-9a57-0f1e2d3c4b5a")
ODS_AUTHOR = {"type": "Organization", "identifier": {"system": ODS_ORGANIZATION_CODE, "value": "RR8"}}
SHA1 = base64.b64encode(hashlib.sha1(b"%PDF-1.7 advice").digest()).decode()  # noqa: S324 - FHIR Attachment.hash is SHA-1

DOCUMENT = SubmittedAdvice(
    advice_request_id=REQUEST_ID,
    form=AdviceForm.DOCUMENT,
    author="RR8",
    authored_at=datetime(2025, 2, 20, 16, 30, tzinfo=UTC),
    document=AdviceDocument(
        url="https://docs.trust.nhs.uk/advice/4471.pdf", content_type="application/pdf", size=48213, sha1=SHA1
    ),
)


def issue_codes(rejection: pytest.ExceptionInfo[FhirInputRejected]) -> dict[str, SpineErrorCode | None]:
    return {expression: issue.spine_code for issue in rejection.value.issues for expression in issue.expression}


def as_json(resource: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(json.dumps(resource))
    return document


instants = st.datetimes(
    datetime(2014, 9, 1), datetime(2100, 1, 1), timezones=st.sampled_from([UTC, timezone(timedelta(hours=1))])
)
documents = st.builds(
    AdviceDocument,
    url=st.from_regex(r"\Ahttps://[a-z]{1,12}\.nhs\.uk/[A-Za-z0-9/_.-]{1,30}\Z"),
    content_type=st.sampled_from(
        ["application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    ),
    size=st.integers(1, 2**31 - 1),
    sha1=st.binary(min_size=20, max_size=20).map(lambda digest: base64.b64encode(digest).decode()),
)
questionnaires = st.builds(
    AdviceQuestionnaire,
    questionnaire=st.from_regex(r"\Ahttps://fhir\.[a-z]{1,10}\.nhs\.uk/Questionnaire/[a-z-]{1,20}(\|[0-9.]{1,5})?\Z"),
    answered_items=st.integers(1, 500),
)


@st.composite
def submitted_advice(draw: st.DrawFn) -> SubmittedAdvice:
    as_document = draw(st.booleans())
    return SubmittedAdvice(
        advice_request_id=draw(st.uuids()),
        form=AdviceForm.DOCUMENT if as_document else AdviceForm.QUESTIONNAIRE_RESPONSE,
        author=draw(st.from_regex(r"\A[A-Z0-9]{3,10}\Z")),
        authored_at=draw(instants),
        document=draw(documents) if as_document else None,
        questionnaire=None if as_document else draw(questionnaires),
    )


@given(submitted_advice(), st.booleans())
@PROPERTY
def test_build_then_parse_gives_the_same_advice(advice: SubmittedAdvice, from_the_url: bool) -> None:
    resource = as_json(submitted_advice_resource(advice, base_url=BASE_URL))
    url_id = advice.advice_request_id if from_the_url else None
    assert parse_submitted_advice(resource, advice_request_id=url_id) == advice


@given(submitted_advice())
@PROPERTY
def test_built_resources_are_valid_r4_and_name_the_advice_request(advice: SubmittedAdvice) -> None:
    resource = as_json(submitted_advice_resource(advice, base_url=BASE_URL))
    link = {"system": ADVICE_REQUEST_IDENTIFIER_SYSTEM, "value": str(advice.advice_request_id)}
    if advice.form is AdviceForm.DOCUMENT:
        DocumentReference.model_validate(resource)
        assert resource["context"]["related"][0]["identifier"] == link
        assert resource["content"][0]["attachment"]["hash"] == advice.document.sha1  # type: ignore[union-attr]
    else:
        QuestionnaireResponse.model_validate(resource)
        assert resource["basedOn"][0]["identifier"] == link
        assert "item" not in resource
    assert advice.authored_at.utcoffset() == timedelta(0)


def test_a_document_reference_names_the_request_author_date_and_attachment() -> None:
    resource = submitted_advice_resource(DOCUMENT, base_url=BASE_URL)
    assert resource["context"]["related"][0]["reference"] == f"{BASE_URL}/ServiceRequest/{REQUEST_ID}"
    assert resource["author"] == [ODS_AUTHOR]
    assert resource["date"] == "2025-02-20T16:30:00Z"
    assert resource["content"] == [
        {
            "attachment": {
                "contentType": "application/pdf",
                "url": "https://docs.trust.nhs.uk/advice/4471.pdf",
                "size": 48213,
                "hash": SHA1,
            }
        }
    ]


def completed_care_plan_report(example: dict[str, Any]) -> dict[str, Any]:
    """The UK Core example with what evidence needs: an ODS author, size and hash."""
    example["author"].append(ODS_AUTHOR)
    example["content"][0]["attachment"].update(size=48213, hash=SHA1)
    return example


def test_the_uk_core_pdf_report_parses_but_lacks_the_link_the_author_and_the_evidence(uk_core_example) -> None:
    example = uk_core_example("DocumentReference-CarePlanReportPDF")
    DocumentReference.model_validate(example)
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(example)
    assert issue_codes(rejected) == {
        "DocumentReference.context.related": SpineErrorCode.MISSING_VALUE,
        "DocumentReference.author": SpineErrorCode.MISSING_VALUE,
        "DocumentReference.content[0].attachment.size": SpineErrorCode.MISSING_VALUE,
        "DocumentReference.content[0].attachment.hash": SpineErrorCode.MISSING_VALUE,
    }
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(example, advice_request_id=REQUEST_ID)
    assert "DocumentReference.context.related" not in issue_codes(rejected)


def test_the_uk_core_pdf_report_submitted_to_a_request_with_evidence_is_advice(uk_core_example) -> None:
    example = completed_care_plan_report(uk_core_example("DocumentReference-CarePlanReportPDF"))
    advice = parse_submitted_advice(example, advice_request_id=REQUEST_ID)
    assert (advice.form, advice.author) == ("document", "RR8")
    assert advice.authored_at == datetime(2016, 3, 8, 14, 26, tzinfo=UTC)
    assert advice.document == AdviceDocument(
        url="https://health.trust.uk/CarePlanReport_44301kfgd.pdf",
        content_type="application/pdf",
        size=48213,
        sha1=SHA1,
    )
    assert "Care Plan Report" not in advice.model_dump_json()


def completed_baby_survey(example: dict[str, Any]) -> dict[str, Any]:
    example["questionnaire"] = "https://fhir.trust.nhs.uk/Questionnaire/ehc-health-advice|1.0"
    example["author"] = ODS_AUTHOR
    return example


def test_the_uk_core_survey_parses_but_lacks_its_questionnaire_author_and_link(uk_core_example) -> None:
    example = uk_core_example("QuestionnaireResponse-BabyPatientSurvey")
    QuestionnaireResponse.model_validate(example)
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(example)
    assert issue_codes(rejected) == {
        "QuestionnaireResponse.questionnaire": SpineErrorCode.MISSING_VALUE,
        "QuestionnaireResponse.basedOn": SpineErrorCode.MISSING_VALUE,
        "QuestionnaireResponse.author": SpineErrorCode.MISSING_VALUE,
    }


def test_the_uk_core_survey_counts_answers_at_every_depth_and_copies_no_answer(uk_core_example) -> None:
    advice = parse_submitted_advice(
        completed_baby_survey(uk_core_example("QuestionnaireResponse-BabyPatientSurvey")), advice_request_id=REQUEST_ID
    )
    assert advice.questionnaire == AdviceQuestionnaire(
        questionnaire="https://fhir.trust.nhs.uk/Questionnaire/ehc-health-advice|1.0", answered_items=10
    )
    assert advice.authored_at == datetime(2021, 4, 16, 12, 15, tzinfo=UTC)
    kept = advice.model_dump_json()
    assert not any(text in kept for text in ("Melanie", "Jones", "female", "3.15", "birthWeight", "None"))


def test_a_link_in_the_resource_must_name_the_request_it_was_submitted_to(uk_core_example) -> None:
    resource = as_json(submitted_advice_resource(DOCUMENT, base_url=BASE_URL))
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(resource, advice_request_id=UUID(int=1))
    assert issue_codes(rejected) == {"DocumentReference.context.related": SpineErrorCode.CONFLICTING_VALUES}
    example = completed_baby_survey(uk_core_example("QuestionnaireResponse-BabyPatientSurvey"))
    example["basedOn"] = [{"reference": f"ServiceRequest/{REQUEST_ID}"}, {"reference": f"ServiceRequest/{UUID(int=2)}"}]
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(example)
    assert issue_codes(rejected) == {"QuestionnaireResponse.basedOn": SpineErrorCode.CONFLICTING_VALUES}


@pytest.mark.parametrize(
    ("change", "expression", "spine_code"),
    [
        (
            lambda r: r["content"][0]["attachment"].update(data="JVBERi0="),
            "DocumentReference.content[0].attachment.data",
            SpineErrorCode.NOT_IMPLEMENTED,
        ),
        (
            lambda r: r["content"][0]["attachment"].update(hash=base64.b64encode(b"md5-is-16-bytes!").decode()),
            "DocumentReference.content[0].attachment",
            SpineErrorCode.INVALID_VALUE,
        ),
        (
            lambda r: r["content"][0]["attachment"].update(url="http://docs.trust.nhs.uk/a.pdf"),
            "DocumentReference.content[0].attachment",
            SpineErrorCode.INVALID_VALUE,
        ),
        (
            lambda r: r["content"].append(copy.deepcopy(r["content"][0])),
            "DocumentReference.content",
            SpineErrorCode.INVALID_VALUE,
        ),
        (lambda r: r.update(status="superseded"), "DocumentReference.status", SpineErrorCode.INVALID_VALUE),
        (lambda r: r.update(docStatus="preliminary"), "DocumentReference.docStatus", SpineErrorCode.INVALID_VALUE),
        (lambda r: r.pop("date"), "DocumentReference.date", SpineErrorCode.MISSING_VALUE),
        (
            lambda r: r["author"].append(
                {**ODS_AUTHOR, "identifier": {"system": ODS_ORGANIZATION_CODE, "value": "RX1"}}
            ),
            "DocumentReference.author",
            SpineErrorCode.TOO_MANY_VALUES_SUBMITTED,
        ),
    ],
)
def test_documents_that_cannot_evidence_the_advice_are_rejected(change, expression, spine_code) -> None:
    resource = as_json(submitted_advice_resource(DOCUMENT, base_url=BASE_URL))
    change(resource)
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(resource)
    assert issue_codes(rejected)[expression] is spine_code


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        (lambda r: r.update(status="in-progress"), "QuestionnaireResponse.status"),
        (lambda r: r.update(authored="2025-02-20"), "QuestionnaireResponse.authored"),
        (lambda r: r.pop("extension"), "QuestionnaireResponse.item"),
        (
            lambda r: r.update(item=[{"linkId": "a", "answer": [{"valueBoolean": True}]}]),
            "QuestionnaireResponse.extension",
        ),
    ],
)
def test_questionnaire_responses_that_are_not_finished_advice_are_rejected(change, expression) -> None:
    advice = SubmittedAdvice(
        advice_request_id=REQUEST_ID,
        form=AdviceForm.QUESTIONNAIRE_RESPONSE,
        author="RR8",
        authored_at=datetime(2025, 2, 20, 16, 30, tzinfo=UTC),
        questionnaire=AdviceQuestionnaire(questionnaire="https://fhir.trust.nhs.uk/Questionnaire/a", answered_items=3),
    )
    resource = as_json(submitted_advice_resource(advice, base_url=BASE_URL))
    assert resource["extension"] == [{"url": ANSWERED_ITEMS_EXTENSION, "valueUnsignedInt": 3}]
    change(resource)
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(resource)
    assert expression in issue_codes(rejected)


def test_other_resources_are_not_advice(uk_core_example) -> None:
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(uk_core_example("ServiceRequest-ECG"))
    assert issue_codes(rejected) == {"resourceType": SpineErrorCode.INVALID_RESOURCE}


@given(submitted_advice(), st.data())
@PROPERTY
def test_a_corrupted_element_is_rejected_with_an_outcome_and_never_crashes(advice, data: st.DataObject) -> None:
    resource = as_json(submitted_advice_resource(advice, base_url=BASE_URL))
    path = data.draw(st.sampled_from(element_paths(resource)[1:]))
    parent = resource
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON_VALUES)
    try:
        parse_submitted_advice(resource, advice_request_id=data.draw(st.none() | st.just(advice.advice_request_id)))
    except FhirInputRejected as rejected:
        outcome = rejected.operation_outcome()
    else:
        return
    assert outcome["issue"]


@given(
    JSON_VALUES
    | st.dictionaries(st.sampled_from(["resourceType", "status", "author", "content", "item", "date"]), JSON_VALUES)
)
@PROPERTY
def test_any_json_is_rejected_with_an_outcome(value: object) -> None:
    with pytest.raises(FhirInputRejected):
        parse_submitted_advice(value, advice_request_id=REQUEST_ID)


def test_a_boolean_where_a_url_is_due_is_rejected_with_an_outcome() -> None:
    resource = as_json(submitted_advice_resource(DOCUMENT, base_url=BASE_URL))
    resource["content"][0]["attachment"]["url"] = False
    with pytest.raises(FhirInputRejected) as rejected:
        parse_submitted_advice(resource)
    assert issue_codes(rejected) == {"DocumentReference": SpineErrorCode.INVALID_RESOURCE}
