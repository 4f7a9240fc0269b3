"""``POST /fhir/$process-message``: one s23 notification from an NHS body, a message Bundle or a bare
Communication, judged by :mod:`.fhir_submission` as every channel's are. The status a sender queries is in
:mod:`.fhir_status_http`; backfills in :mod:`.fhir_bulk_submission_http`.

Accepted: 202 with ``{"id", "status", "status_url"}`` and Location. Rejected for a statutory reason: 422
OperationOutcome (business-rule issues, then an information issue naming the status URL) and Location; the
rejection is kept as the notification's status. Dates that cannot be true (:func:`.section_23.impossible_dates`)
are a 422 OperationOutcome with nothing stored. Every other error is an OperationOutcome too.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Scope
from pathfinder.notifications.entrypoints.fhir_guards import (
    JSON_MEDIA_TYPES,
    fhir_principal,
    fhir_response,
    media_type,
    parse_json,
    read_body,
)
from pathfinder.notifications.entrypoints.fhir_openapi import PROCESS_MESSAGE_BODY, PROCESS_MESSAGE_RESPONSES
from pathfinder.notifications.entrypoints.fhir_submission import StatusUrl, request_key, submit_one
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies

router = APIRouter(prefix="/fhir", tags=["early-years notifications (FHIR)"])
RequestId = Annotated[str | None, Header(alias="X-Request-ID")]


def status_url_of(request: Request) -> StatusUrl:
    def status_url(notification_id: UUID) -> str:
        return str(request.url_for("notification_status", notification_id=str(notification_id)))

    return status_url


@router.post(
    "/$process-message",
    status_code=202,
    summary="Submit an s23 early-years notification (FHIR message)",
    responses=PROCESS_MESSAGE_RESPONSES,
    openapi_extra=PROCESS_MESSAGE_BODY,
)
async def process_message(request: Request, dependencies: Dependencies, x_request_id: RequestId = None) -> JSONResponse:
    """An NHS body (scope ``notifications:submit``, acting for itself: the sender's ODS code is the token's
    organisation) brings a child to the LA's attention under s23. 202: accepted, its status at ``Location``
    (``awaiting-identity`` until identity names the child, then ``received``). 422 with ``Location``: rejected for
    a statutory reason and recorded. 422 without it: dates that cannot be true, nothing stored. Sending the same
    message again (same id, same body) answers the same notification; ``X-Request-ID`` is kept as a retry key."""
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_SUBMIT)
    media_type(request, JSON_MEDIA_TYPES)
    limits = dependencies.limits
    document = parse_json(await read_body(request, limits.max_body_bytes), limits.max_json_depth)
    retry_keys = (request_key(principal, x_request_id),) if x_request_id is not None else ()
    status, answer, url = await submit_one(
        dependencies, principal, document, status_url=status_url_of(request), retry_keys=retry_keys
    )
    if status == 202:
        return JSONResponse(answer, status_code=202, headers={"Location": url})
    return fhir_response(status, answer, {"Location": url})
