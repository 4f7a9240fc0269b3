"""Reading advice that health submits, as a DocumentReference or a QuestionnaireResponse."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Final
from uuid import UUID

from fhir.resources.R4B.attachment import Attachment
from fhir.resources.R4B.documentreference import (
    DocumentReference,
)
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse, QuestionnaireResponseItem
from fhir.resources.R4B.reference import Reference
from pathfinder.contracts.fhir.advice import ANSWERED_ITEMS_EXTENSION, SubmittedAdvice
from pathfinder.contracts.fhir.advice_request_reader import read_advice_request_id
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.reading import FoundIssues
from pathfinder.contracts.fhir.systems import ODS_ORGANIZATION_CODE
from pathfinder.contracts.vocabulary import AdviceForm


def parse_submitted_advice(document: object, *, advice_request_id: UUID | None = None) -> SubmittedAdvice:
    """Advice from a submitted DocumentReference or QuestionnaireResponse (parsed JSON).

    ``advice_request_id`` is the request named by the submission URL, if any. ``FhirInputRejected`` names every
    element that is missing or wrong for the platform's purposes.
    """
    kind = document.get("resourceType") if isinstance(document, dict) else None
    if kind == "QuestionnaireResponse":
        return _from_questionnaire_response(parse_resource(document, QuestionnaireResponse), advice_request_id)
    if kind == "DocumentReference" or not isinstance(document, dict):
        return _from_document_reference(parse_resource(document, DocumentReference), advice_request_id)
    issue = OutcomeIssue(
        "invalid",
        "Advice is a DocumentReference or a QuestionnaireResponse",
        SpineErrorCode.INVALID_RESOURCE,
        ("resourceType",),
    )
    raise FhirInputRejected([issue])


def _from_document_reference(resource: DocumentReference, given: UUID | None) -> SubmittedAdvice:
    found = _common_checks(resource, "DocumentReference")
    if resource.status != "current":
        found.add("DocumentReference.status", "Must be current")
    if resource.docStatus in ("preliminary", "entered-in-error"):
        found.add("DocumentReference.docStatus", "Must be final or amended when given")
    linked = [
        read_advice_request_id(reference, f"DocumentReference.context.related[{index}]", found)
        for index, reference in enumerate(resource.context.related or [] if resource.context else [])
    ]
    authors = [_ods(reference) for reference in resource.author or []]
    contents = resource.content or []
    if len(contents) != 1:
        found.add("DocumentReference.content", "Exactly one content: the advice document", "invariant")
    attachment = (contents[0].attachment if contents else None) or Attachment()
    path = "DocumentReference.content[0].attachment"
    if attachment.data is not None:
        found.add(f"{path}.data", "Give the document's url, not its content inline", "not-supported")
    for element in ("url", "contentType", "size", "hash"):
        if getattr(attachment, element) is None:
            found.add(f"{path}.{element}", "Required to evidence the document", "required")
    fields: dict[str, object] = {
        "advice_request_id": _advice_request(linked, given, "DocumentReference.context.related", found),
        "form": AdviceForm.DOCUMENT,
        "author": _author([code for code in authors if code], "DocumentReference.author", found),
        "authored_at": _instant(resource.date, "DocumentReference.date", found),
        "document": {
            "url": attachment.url,
            "content_type": attachment.contentType,
            "size": attachment.size,
            "sha1": base64.b64encode(attachment.hash).decode() if attachment.hash else None,
        },
    }
    return found.model(SubmittedAdvice, fields, _DOCUMENT_PATHS, "DocumentReference")


def _from_questionnaire_response(resource: QuestionnaireResponse, given: UUID | None) -> SubmittedAdvice:
    found = _common_checks(resource, "QuestionnaireResponse")
    if resource.status not in ("completed", "amended"):
        found.add("QuestionnaireResponse.status", "Must be completed or amended")
    if not resource.questionnaire:
        found.add("QuestionnaireResponse.questionnaire", "The canonical URL of the form is required", "required")
    linked = [
        read_advice_request_id(reference, f"QuestionnaireResponse.basedOn[{index}]", found)
        for index, reference in enumerate(resource.basedOn or [])
    ]
    author = _ods(resource.author)
    fields: dict[str, object] = {
        "advice_request_id": _advice_request(linked, given, "QuestionnaireResponse.basedOn", found),
        "form": AdviceForm.QUESTIONNAIRE_RESPONSE,
        "author": _author([author] if author else [], "QuestionnaireResponse.author", found),
        "authored_at": _instant(resource.authored, "QuestionnaireResponse.authored", found),
        "questionnaire": {
            "questionnaire": resource.questionnaire,
            "answered_items": _answered_items(resource, found),
        },
    }
    return found.model(SubmittedAdvice, fields, _QUESTIONNAIRE_PATHS, "QuestionnaireResponse")


_DOCUMENT_PATHS: Final = {
    "author": "DocumentReference.author",
    "authored_at": "DocumentReference.date",
    "document": "DocumentReference.content[0].attachment",
}
_QUESTIONNAIRE_PATHS: Final = {
    "author": "QuestionnaireResponse.author",
    "authored_at": "QuestionnaireResponse.authored",
    "questionnaire": "QuestionnaireResponse",
}


def _common_checks(resource: DocumentReference | QuestionnaireResponse, path: str) -> FoundIssues:
    found = FoundIssues()
    if resource.modifierExtension:
        found.add(f"{path}.modifierExtension", "Modifier extensions are not supported", "not-supported")
    return found


def _ods(reference: Reference | None) -> str | None:
    identifier = reference.identifier if reference else None
    return identifier.value if identifier and identifier.system == ODS_ORGANIZATION_CODE else None


def _author(codes: list[str], expression: str, found: FoundIssues) -> str | None:
    if len(set(codes)) == 1:
        return codes[0]
    diagnostics = f"Exactly one author Organization identified by {ODS_ORGANIZATION_CODE}"
    if codes:
        found.add(expression, diagnostics, "invariant", SpineErrorCode.TOO_MANY_VALUES_SUBMITTED)
    else:
        found.add(expression, diagnostics, "required")
    return None


def _instant(value: object, expression: str, found: FoundIssues) -> datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    found.add(expression, "A date and time with a UTC offset is required", "value" if value else "required")
    return None


def _advice_request(linked: list[UUID | None], given: UUID | None, expression: str, found: FoundIssues) -> UUID | None:
    named = {advice_request_id for advice_request_id in linked if advice_request_id is not None}
    if given is not None and named - {given}:
        found.conflict(expression, "Names another advice request than the one it was submitted to")
    elif len(named) > 1:
        found.conflict(expression, "Names more than one advice request")
    elif given is None and not named:
        found.add(expression, "Must name the advice request it answers (or submit it to that request)", "required")
    return given or next(iter(named), None)


def _answered_items(resource: QuestionnaireResponse, found: FoundIssues) -> int | None:
    counted = _count_answered(resource.item or [])
    declared = [
        extension.valueUnsignedInt
        for extension in resource.extension or []
        if extension.url == ANSWERED_ITEMS_EXTENSION
    ]
    if resource.item and declared and declared != [counted]:
        found.conflict("QuestionnaireResponse.extension", "The answered-item count does not match the items")
    if not resource.item and len(declared) == 1:
        return declared[0]
    if counted == 0:
        found.add("QuestionnaireResponse.item", "At least one answered item is required", "required")
    return counted


def _count_answered(items: list[QuestionnaireResponseItem]) -> int:
    total = 0
    for item in items:
        answers = item.answer or []
        total += 1 if answers else 0
        total += _count_answered(item.item or [])
        total += sum(_count_answered(answer.item or []) for answer in answers)
    return total
