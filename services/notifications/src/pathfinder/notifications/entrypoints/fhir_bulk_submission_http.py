"""``POST /fhir/$process-message/bulk``: many notifications at once, for backfills.

The body is NDJSON (``application/x-ndjson``: one message Bundle or Communication a line) or a FHIR ``batch``
Bundle whose entries are those resources. Each entry is judged like a single submission, then kept with others in
a few transactions (``service_layer.bulk_submissions``), idempotent on its message id and on ``X-Request-ID`` plus
its position; identity names the children afterwards, from the worker. The answer has one outcome per entry, in
order: NDJSON lines (``index``, ``http_status``, then the single answer's fields or ``outcome``), or a
``batch-response`` Bundle.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pathfinder.auth import Scope
from pathfinder.contracts.fhir import OutcomeIssue, SpineErrorCode, operation_outcome
from pathfinder.notifications.entrypoints.fhir_guards import (
    JSON_MEDIA_TYPES,
    NDJSON,
    FhirError,
    fhir_principal,
    fhir_response,
    media_type,
    parse_json,
    read_body,
)
from pathfinder.notifications.entrypoints.fhir_openapi import BULK_BODY, BULK_RESPONSES
from pathfinder.notifications.entrypoints.fhir_submission import (
    Answer,
    BulkEntry,
    answer_line,
    request_key,
    submit_many,
)
from pathfinder.notifications.entrypoints.fhir_submission_http import RequestId, status_url_of
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies

router = APIRouter(prefix="/fhir", tags=["early-years notifications (FHIR)"])
BULK_MEDIA_TYPES = JSON_MEDIA_TYPES | {NDJSON}


@router.post(
    "/$process-message/bulk",
    summary="Submit many s23 notifications (backfills)",
    response_class=Response,
    responses=BULK_RESPONSES,
    openapi_extra=BULK_BODY,
)
async def process_messages(request: Request, dependencies: Dependencies, x_request_id: RequestId = None) -> Response:
    """Backfills: many notifications as NDJSON (one a line) or a FHIR batch Bundle, each judged as
    ``$process-message`` would, and answered in order in the same format. The children are named by the worker
    afterwards, not on the request."""
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_SUBMIT)
    limits = dependencies.limits
    given = media_type(request, BULK_MEDIA_TYPES)
    body = await read_body(request, limits.max_bulk_body_bytes)
    status_url = status_url_of(request)

    def entry(document: Any, index: int, max_depth: int | None) -> BulkEntry:
        try:
            if max_depth is not None:
                document = parse_json(document, max_depth, where=f"Line {index + 1}")
            retry_keys = (request_key(principal, f"{x_request_id}:{index}"),) if x_request_id is not None else ()
        except FhirError as error:
            return error
        return document, retry_keys

    if given == NDJSON:
        lines = [line for line in body.decode("utf-8", errors="replace").splitlines() if line.strip()]
        _within_limit(len(lines), limits.max_bulk_entries)
        entries = [entry(line, index, limits.max_json_depth) for index, line in enumerate(lines)]
        answers = await submit_many(dependencies, principal, entries, status_url=status_url)
        text = "".join(json.dumps(answer_line(index, answer)) + "\n" for index, answer in enumerate(answers))
        return Response(text, media_type=NDJSON)
    resources = _batch_resources(parse_json(body, limits.max_json_depth), limits.max_bulk_entries)
    entries = [entry(resource, index, None) for index, resource in enumerate(resources)]
    answers = await submit_many(dependencies, principal, entries, status_url=status_url)
    return fhir_response(200, _batch_response(answers))


def _within_limit(count: int, limit: int) -> None:
    if count > limit:
        diagnostics = f"At most {limit} notifications in one bulk submission"
        raise FhirError.one(413, "too-costly", diagnostics, SpineErrorCode.TOO_MANY_VALUES_SUBMITTED)


def _batch_resources(document: Any, limit: int) -> list[Any]:
    if not isinstance(document, dict) or document.get("resourceType") != "Bundle" or document.get("type") != "batch":
        diagnostics = "A JSON bulk submission is a Bundle of type batch"
        raise FhirError.one(400, "structure", diagnostics, SpineErrorCode.INVALID_RESOURCE)
    entries = document.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError.one(400, "structure", "Bundle.entry must be a list", SpineErrorCode.INVALID_RESOURCE)
    _within_limit(len(entries), limit)
    return [entry.get("resource") if isinstance(entry, dict) else None for entry in entries]


def _batch_response(outcomes: list[Answer]) -> dict[str, Any]:
    entries = []
    for status, answer, url in outcomes:
        response: dict[str, Any] = {"status": str(status)}
        if url:
            response["location"] = url
        if status == 202:
            information = f"Notification {answer['id']} is {answer['status']}"
            response["outcome"] = operation_outcome(
                [OutcomeIssue("informational", information, severity="information")]
            )
        else:
            response["outcome"] = answer
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "batch-response", "entry": entries}
