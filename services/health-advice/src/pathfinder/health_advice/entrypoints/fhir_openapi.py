"""What the FHIR routes accept and answer, for their OpenAPI operations.

The routes read their bodies themselves (token, media type, size and depth come before any parsing), so FastAPI
cannot infer them: these declarations describe them. The schemas name only the elements that tell the shapes
apart (FHIR resources are open-ended; the full checks are FHIR R4 validation and the readers in
``pathfinder.contracts.fhir``). The examples are built by the contracts' own mappings, so they stay valid.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any, Final
from uuid import UUID

from pathfinder.contracts.fhir import SubmittedAdvice, advice_request_resources, submitted_advice_resource
from pathfinder.contracts.fhir.advice import AdviceDocument, AdviceQuestionnaire
from pathfinder.contracts.fhir.advice_codes import (
    ASSIGNEE_IDENTIFIER_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    CLOCK_STOP_REASONS,
)
from pathfinder.contracts.fhir.advice_request import AdviceRequestStatus, AdviceRequestView
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.entrypoints.fhir_resources import ADVICE_OUTPUT_ID, ADVICE_OUTPUT_TYPE
from pathfinder.web.fhir import FHIR_JSON

_OPEN: Final = {"additionalProperties": True}
_CODEABLE: Final = {"type": "object", "properties": {"coding": {"type": "array", "items": {"type": "object"}}}}
TASK_STATUSES: Final = ("requested", "accepted", "in-progress", "completed", "cancelled")

TASK_SCHEMA: dict[str, Any] = {
    "title": "Task",
    "description": "FHIR R4 Task (code fulfill) tracking an advice request and its 6-week clock: restriction.period"
    ".end is the statutory due date, businessStatus the clock (a reg 8(2) reason while stopped, else on-clock or "
    "closed), one advice-clock-stop extension per stop, owner the assignee, the provider team or the health body",
    "type": "object",
    "required": ["resourceType", "id", "status", "intent"],
    "properties": {
        "resourceType": {"const": "Task"},
        "id": {"type": "string"},
        "status": {"enum": list(TASK_STATUSES)},
        "intent": {"const": "order"},
        "businessStatus": _CODEABLE,
        "owner": {"type": "object"},
        "output": {"type": "array", "items": {"type": "object"}},
    },
    **_OPEN,
}
SERVICE_REQUEST_SCHEMA: dict[str, Any] = {
    "title": "ServiceRequest",
    "description": "FHIR R4 ServiceRequest: what advice the LA asks (for an EHC needs assessment), of which health "
    "body (performer, ODS code), for which child (subject)",
    "type": "object",
    "required": ["resourceType", "id", "status", "intent"],
    "properties": {"resourceType": {"const": "ServiceRequest"}, "id": {"type": "string"}},
    **_OPEN,
}
SEARCHSET_SCHEMA: dict[str, Any] = {
    "title": "Bundle (searchset)",
    "description": "FHIR R4 Bundle of the Tasks found, one page; link next and previous page through them",
    "type": "object",
    "required": ["resourceType", "type"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "searchset"},
        "link": {"type": "array", "items": {"type": "object", "required": ["relation", "url"], **_OPEN}},
        "entry": {"type": "array", "items": {"type": "object", "properties": {"resource": TASK_SCHEMA}, **_OPEN}},
    },
    **_OPEN,
}
ADVICE_SCHEMA: dict[str, Any] = {
    "title": "Advice",
    "description": "A FHIR R4 DocumentReference (the advice document: one content attachment by https url with "
    "contentType, size and SHA-1 hash) or QuestionnaireResponse (completed, with its questionnaire and answers); "
    "authored by an Organization identified by ODS code, with the time of authorship",
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": {"enum": ["DocumentReference", "QuestionnaireResponse"]}},
    **_OPEN,
}

_EXAMPLE_ID = UUID("7d3f1c9a-2b4e-4c61-9a57-0f1e2d3c4b5a")
_BASE = "https://api.pathfinder-send.org/fhir"
_VIEW = AdviceRequestView(
    advice_request_id=_EXAMPLE_ID,
    person_id=UUID("0b8f6a52-8a39-4c3e-b7de-5f3c2a1e9d70"),
    requesting_la="841",
    health_body="QHM",
    requested_on=date(2026, 1, 5),
    statutory_due_date=date(2026, 2, 16),
    status=AdviceRequestStatus.REQUESTED,
    owner_team="qhm-paeds",
)
_WRITTEN = datetime(2026, 2, 10, 14, 30, tzinfo=UTC)
DOCUMENT_EXAMPLE = submitted_advice_resource(
    SubmittedAdvice(
        advice_request_id=_EXAMPLE_ID,
        form=AdviceForm.DOCUMENT,
        author="RXP",
        authored_at=_WRITTEN,
        document=AdviceDocument(
            url="https://docs.example.nhs.uk/advice/4471.pdf",
            content_type="application/pdf",
            size=182_304,
            sha1="2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
        ),
    ),
    base_url=_BASE,
)
QUESTIONNAIRE_EXAMPLE = submitted_advice_resource(
    SubmittedAdvice(
        advice_request_id=_EXAMPLE_ID,
        form=AdviceForm.QUESTIONNAIRE_RESPONSE,
        author="RXP",
        authored_at=_WRITTEN,
        questionnaire=AdviceQuestionnaire(
            questionnaire="https://forms.example.nhs.uk/Questionnaire/ehc-health-advice", answered_items=12
        ),
    ),
    base_url=_BASE,
)


def _task(**changes: Any) -> dict[str, Any]:
    task = copy.deepcopy(advice_request_resources(_VIEW, base_url=_BASE)[1])
    task.update(changes)
    return task


_CLOCK_STOP = {
    "system": CLOCK_STOP_REASON_SYSTEM,
    "code": AdviceClockStopReason.MISSED_APPOINTMENT.value,
    "display": CLOCK_STOP_REASONS[AdviceClockStopReason.MISSED_APPOINTMENT],
}
TASK_EXAMPLES: dict[str, dict[str, Any]] = {
    "accept": {"summary": "Accept the request", "value": _task(status="accepted")},
    "assign": {
        "summary": "Assign it: in progress, owned by the clinician",
        "value": _task(
            status="in-progress",
            owner={
                "type": "Practitioner",
                "identifier": {"system": ASSIGNEE_IDENTIFIER_SYSTEM, "value": "sds-user-555123456789"},
            },
        ),
    },
    "stop-the-clock": {
        "summary": "A reg 8(2) exception from 20 January 2026 (without the extension: from today)",
        "value": _task(
            businessStatus={"coding": [_CLOCK_STOP]},
            extension=[
                {
                    "url": CLOCK_STOP_EXTENSION,
                    "extension": [
                        {"url": "reason", "valueCoding": _CLOCK_STOP},
                        {"url": "period", "valuePeriod": {"start": "2026-01-20"}},
                    ],
                }
            ],
        ),
    },
    "complete": {
        "summary": "Complete it with the advice document as output",
        "value": _task(
            status="completed",
            contained=[{**DOCUMENT_EXAMPLE, "id": ADVICE_OUTPUT_ID}],
            output=[{"type": ADVICE_OUTPUT_TYPE, "valueReference": {"reference": f"#{ADVICE_OUTPUT_ID}"}}],
        ),
    },
}


def _body(schema: dict[str, Any], examples: dict[str, dict[str, Any]], description: str) -> dict[str, Any]:
    content = {"schema": schema, "examples": examples}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {FHIR_JSON: content, "application/json": content},
        }
    }


TASK_BODY = _body(TASK_SCHEMA, TASK_EXAMPLES, "The whole Task as read, with the one change it asks for")
ADVICE_BODY = _body(
    ADVICE_SCHEMA,
    {
        "document": {"summary": "An advice document", "value": DOCUMENT_EXAMPLE},
        "questionnaire-response": {"summary": "A completed form", "value": QUESTIONNAIRE_EXAMPLE},
    },
    "The advice: a DocumentReference or a QuestionnaireResponse",
)
_ETAG = {"ETag": {"description": "The Task's version, for If-Match", "schema": {"type": "string"}}}


def fhir_answer(schema: dict[str, Any], description: str, *, versioned: bool = False) -> dict[int | str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {FHIR_JSON: {"schema": schema}}}
    if versioned:
        answer["headers"] = _ETAG
    return {200: answer}
