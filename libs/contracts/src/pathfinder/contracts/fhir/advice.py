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
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pathfinder.contracts.base import OdsCode
from pathfinder.contracts.fhir.advice_codes import ADVICE_REQUEST_CATEGORY_SYSTEM, EHC_ASSESSMENT_ADVICE
from pathfinder.contracts.fhir.advice_request import advice_request_reference
from pathfinder.contracts.fhir.reading import organisation
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
