"""Health advice given for an EHC needs assessment, as FHIR R4: a ``DocumentReference`` (a report, e.g. a PDF)
or a ``QuestionnaireResponse`` (a structured form), both read into one thin ``SubmittedAdvice``.

``SubmittedAdvice`` keeps only what routes the advice and evidences its submission: which request it answers,
who gave it and when, and either the document's location, type, size and SHA-1 hash or the questionnaire and how
many items were answered. It never holds clinical content or free text (titles, descriptions, answers): those
stay in the submitted resource, which the platform keeps behind its authorised API.

Health submits to ``POST [base]/advice-requests/{id}/advice``, so the parser takes the advice request's id from
that URL. The resource may also name the request (``DocumentReference.context.related`` or
``QuestionnaireResponse.basedOn``, by ``ADVICE_REQUEST_IDENTIFIER_SYSTEM`` identifier or ``ServiceRequest/<id>``
URL); it must then name the same one. Without a URL id the link in the resource is required.

Required beyond base FHIR, because evidence needs them: the author as an Organization identified by ODS code;
the time of authorship with a UTC offset; for a document exactly one ``content`` with an https ``url``,
``contentType``, ``size`` and ``hash`` (so the document fetched later can be shown to be the one submitted) and
no inline ``data``; for a questionnaire response its ``questionnaire`` canonical and at least one answer.

The builder writes the platform's record of a submission, not its content: a built DocumentReference is typed
``ehc-needs-assessment-advice``; a built QuestionnaireResponse has no items and carries their count in
``ANSWERED_ITEMS_EXTENSION`` (valueUnsignedInt).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Self
from uuid import UUID

from fhir.resources.R4B.attachment import Attachment
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.documentreference import (
    DocumentReference,
    DocumentReferenceContent,
    DocumentReferenceContext,
)
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse, QuestionnaireResponseItem
from fhir.resources.R4B.reference import Reference
from pathfinder.contracts.base import OdsCode
from pathfinder.contracts.fhir.advice_codes import ADVICE_REQUEST_CATEGORY_SYSTEM, EHC_ASSESSMENT_ADVICE
from pathfinder.contracts.fhir.advice_request import advice_request_reference, read_advice_request_id
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.reading import FoundIssues, organisation
from pathfinder.contracts.fhir.systems import CANONICAL_BASE, ODS_ORGANIZATION_CODE
from pathfinder.contracts.vocabulary import AdviceForm
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

ANSWERED_ITEMS_EXTENSION: Final = f"{CANONICAL_BASE}/StructureDefinition/answered-item-count"


def _sha1_base64(value: str) -> str:
    try:
        digest = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("Must be base64") from None
    if len(digest) != 20:
        raise ValueError("Must be a SHA-1 hash (20 bytes)")
    return value


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class AdviceDocument(BaseModel):
    """Where the advice document is and how to check it is the one submitted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https://\S+$")
    content_type: str = Field(pattern=r"^[\w.+-]+/[\w.+-]+(;.*)?$", examples=["application/pdf"])
    size: int = Field(ge=1, lt=2**31, description="Bytes (a FHIR unsignedInt)")
    sha1: Annotated[str, AfterValidator(_sha1_base64)] = Field(description="SHA-1 of the content, base64")


class AdviceQuestionnaire(BaseModel):
    """Which form the advice was given on, and how many of its items were answered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    questionnaire: str = Field(pattern=r"^\S+$", description="Canonical URL of the Questionnaire")
    answered_items: int = Field(ge=1, lt=2**31, description="Items, at any depth, with at least one answer")


class SubmittedAdvice(BaseModel):
    """Advice health gave for one advice request, without its content."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    advice_request_id: UUID
    form: AdviceForm
    author: OdsCode = Field(description="ODS code of the NHS body that gave the advice")
    authored_at: Annotated[AwareDatetime, AfterValidator(_utc)] = Field(description="When it was written (UTC)")
    document: AdviceDocument | None = None
    questionnaire: AdviceQuestionnaire | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.document is not None) != (self.form is AdviceForm.DOCUMENT):
            raise ValueError("A document is given exactly when the form is document")
        if (self.questionnaire is not None) != (self.form is AdviceForm.QUESTIONNAIRE_RESPONSE):
            raise ValueError("A questionnaire is given exactly when the form is questionnaire-response")
        return self


def submitted_advice_resource(advice: SubmittedAdvice, *, base_url: str) -> dict[str, Any]:
    """The platform's FHIR record (JSON) of a submission: a DocumentReference or a QuestionnaireResponse."""
    request = advice_request_reference(advice.advice_request_id, base_url=base_url)
    author = organisation(ODS_ORGANIZATION_CODE, advice.author)
    resource: DocumentReference | QuestionnaireResponse
    if advice.document is not None:
        kind = Coding(
            system=ADVICE_REQUEST_CATEGORY_SYSTEM, code=EHC_ASSESSMENT_ADVICE[0], display=EHC_ASSESSMENT_ADVICE[1]
        )
        attachment = Attachment(
            url=advice.document.url,
            contentType=advice.document.content_type,
            size=advice.document.size,
            hash=advice.document.sha1,
        )
        resource = DocumentReference(
            status="current",
            type=CodeableConcept(coding=[kind]),
            date=advice.authored_at,
            author=[author],
            content=[DocumentReferenceContent(attachment=attachment)],
            context=DocumentReferenceContext(related=[request]),
        )
    else:
        assert advice.questionnaire is not None  # the model allows no third form
        count = Extension(url=ANSWERED_ITEMS_EXTENSION, valueUnsignedInt=advice.questionnaire.answered_items)
        resource = QuestionnaireResponse(
            extension=[count],
            questionnaire=advice.questionnaire.questionnaire,
            status="completed",
            basedOn=[request],
            authored=advice.authored_at,
            author=author,
        )
    document: dict[str, Any] = resource.model_dump(mode="json")
    return document


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
