"""``POST /fhir/$process-message``: one s23 notification from an NHS body, a message Bundle or a bare
Communication. The status a sender queries is in :mod:`.fhir_status_http`; backfills in
:mod:`.fhir_bulk_submission_http`.

Accepted: 202 with ``{"id", "status", "status_url"}`` and Location. Rejected for a statutory reason: 422
OperationOutcome (business-rule issues, then an information issue naming the status URL) and Location; the
rejection is kept as the notification's status. Dates that cannot be true (:func:`.section_23.impossible_dates`)
are a 422 OperationOutcome with nothing stored. Every other error is an OperationOutcome too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Principal, Scope
from pathfinder.contracts.fhir import (
    EarlyYearsNotificationSubmission,
    FhirInputRejected,
    OutcomeIssue,
    SpineErrorCode,
    operation_outcome,
    parse_early_years_notification,
)
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification, SubmissionFormat
from pathfinder.notifications.domain.notification_access import may_act_for
from pathfinder.notifications.domain.section_23 import EXPLANATIONS, impossible_dates
from pathfinder.notifications.entrypoints.fhir_guards import (
    JSON_MEDIA_TYPES,
    FhirError,
    body_hash,
    fhir_principal,
    fhir_response,
    media_type,
    parse_json,
    read_body,
)
from pathfinder.notifications.entrypoints.fhir_openapi import PROCESS_MESSAGE_BODY, PROCESS_MESSAGE_RESPONSES
from pathfinder.notifications.entrypoints.fhir_paths import Submitted, date_path, reason_paths
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies, NotificationsHttp
from pathfinder.notifications.service_layer.submissions import (
    DuplicateSubmission,
    Submission,
    SubmissionResult,
    submit_early_years_notification,
)

router = APIRouter(prefix="/fhir", tags=["early-years notifications (FHIR)"])
ENGLAND = ZoneInfo("Europe/London")
RequestId = Annotated[str | None, Header(alias="X-Request-ID")]
Answer = tuple[int, dict[str, Any], str]


def status_url(request: Request, notification_id: UUID) -> str:
    return str(request.url_for("notification_status", notification_id=str(notification_id)))


def submission_keys(principal: Principal, sender: str, message_id: str, request_id: str | None) -> tuple[str, ...]:
    keys = [f"message:{sender}:{message_id}"]
    if request_id is not None:
        if not 0 < len(request_id) <= 200:
            raise FhirError.one(
                400, "value", "X-Request-ID must have 1 to 200 characters", SpineErrorCode.INVALID_VALUE
            )
        keys.append(f"request:{principal.organisation}:{request_id}")
    return tuple(keys)


async def submit_one(
    request: Request,
    dependencies: NotificationsHttp,
    principal: Principal,
    document: Any,
    request_id: str | None,
    submission_format: SubmissionFormat | None,
) -> Answer:
    """(status code, answer, status URL or "") for one notification; FhirError for input refused outright."""
    try:
        sent = parse_early_years_notification(document)
    except FhirInputRejected as rejected:
        raise FhirError(400, list(rejected.issues)) from None
    if not may_act_for(principal, sent.notifying_organisation):
        diagnostics = (
            f"The access token is for organisation {principal.organisation}; the message names "
            f"{sent.notifying_organisation} as its sender. An NHS body notifies only as itself: use a token of "
            f"{sent.notifying_organisation}'s own client."
        )
        raise FhirError.one(403, "forbidden", diagnostics, SpineErrorCode.ACCESS_DENIED)
    refuse_impossible_dates(sent, datetime.now(UTC))
    if sent.child.nhs_number is None and sent.child.family_name is None:
        diagnostics = "The child needs an NHS number or a family name to be identified"
        raise FhirError.one(422, "required", diagnostics, SpineErrorCode.MISSING_VALUE)
    submission = Submission(
        notification=sent,
        body_hash=body_hash(document),
        keys=submission_keys(principal, sent.notifying_organisation, sent.message_id, request_id),
        submission_format=submission_format or sent.submission_format,
    )
    try:
        result = await submit_early_years_notification(
            submission,
            uow=dependencies.unit_of_work(),
            postcodes=dependencies.postcodes,
            identity=None if submission_format == "bulk" else dependencies.identity,
        )
    except DuplicateSubmission:
        diagnostics = "This message id or X-Request-ID was used before with a different body"
        raise FhirError.one(409, "duplicate", diagnostics, SpineErrorCode.DUPLICATE_REJECTED) from None
    return _answer(result, status_url(request, result.notification.id))


def refuse_impossible_dates(sent: EarlyYearsNotificationSubmission, received_at: datetime) -> None:
    found = impossible_dates(
        received_on=received_at.astimezone(ENGLAND).date(),
        notified_on=sent.sent_at.astimezone(ENGLAND).date(),
        opinion_formed_on=sent.opinion_formed_on,
        parent_informed_on=sent.parent_informed_on,
        discussion_offered_on=sent.discussion_offered_on,
    )
    if found:
        issues = [
            OutcomeIssue("value", f"{impossible.explanation}; nothing was stored", SpineErrorCode.INVALID_VALUE,
                         (date_path(sent.submission_format, impossible.step),))
            for impossible in found
        ]  # fmt: skip
        raise FhirError(422, issues)


def _answer(result: SubmissionResult, url: str) -> Answer:
    notification = result.notification
    if result.accepted:
        return 202, {"id": str(notification.id), "status": notification.status.value, "status_url": url}, url
    return 422, rejection_outcome(notification, url), url


def rejection_outcome(notification: EarlyYearsNotification, url: str) -> dict[str, Any]:
    submitted: Submitted = (
        "fhir-communication" if notification.submission_format == "fhir-communication" else "fhir-message"
    )
    issues = [
        OutcomeIssue(
            "business-rule", EXPLANATIONS[reason], SpineErrorCode.INVALID_VALUE, reason_paths(submitted, reason)
        )
        for reason in notification.reasons
    ]
    recorded = f"Notification {notification.id} is recorded as rejected with these reasons; its status: {url}"
    issues.append(OutcomeIssue("informational", recorded, None, severity="information"))
    return operation_outcome(issues)


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
    status, answer, url = await submit_one(request, dependencies, principal, document, x_request_id, None)
    if status == 202:
        return JSONResponse(answer, status_code=202, headers={"Location": url})
    return fhir_response(status, answer, {"Location": url})
