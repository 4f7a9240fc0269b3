"""One s23 notification as an NHS body sent it, whatever carried it (``$process-message``, its bulk form, a MESH
message): parsed, checked to be the sender's own, refused outright when its dates cannot be true, then submitted;
answered as ``(status code, answer, status URL or "")``, the answer an OperationOutcome unless accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from pathfinder.auth import Principal
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
from pathfinder.notifications.entrypoints.fhir_guards import FhirError, body_hash
from pathfinder.notifications.entrypoints.fhir_paths import Submitted, date_path, reason_paths
from pathfinder.notifications.entrypoints.http_dependencies import NotificationsHttp
from pathfinder.notifications.service_layer.bulk_submissions import Outcome, submit_early_years_notifications
from pathfinder.notifications.service_layer.submissions import (
    DuplicateSubmission,
    Submission,
    SubmissionResult,
    submit_early_years_notification,
)

ENGLAND = ZoneInfo("Europe/London")
Answer = tuple[int, dict[str, Any], str]
StatusUrl = Callable[[UUID], str]
BulkEntry = tuple[Any, tuple[str, ...]] | FhirError


def request_key(principal: Principal, request_id: str) -> str:
    """The key of a sender's own retry id (``X-Request-ID``), kept beside the message id's."""
    if not 0 < len(request_id) <= 200:
        raise FhirError.one(400, "value", "X-Request-ID must have 1 to 200 characters", SpineErrorCode.INVALID_VALUE)
    return f"request:{principal.organisation}:{request_id}"


async def submit_one(
    dependencies: NotificationsHttp,
    principal: Principal,
    document: Any,
    *,
    status_url: StatusUrl,
    retry_keys: tuple[str, ...] = (),
    submission_format: SubmissionFormat | None = None,
) -> Answer:
    """``retry_keys`` (a request id's, a MESH message's) make a repeat of this very sending answer as the first
    did, beside the message id. FhirError for input refused outright."""
    submission = judged_submission(principal, document, retry_keys=retry_keys, submission_format=submission_format)
    try:
        result = await submit_early_years_notification(
            submission,
            uow=dependencies.unit_of_work(),
            postcodes=dependencies.postcodes,
        )
    except DuplicateSubmission:
        raise _duplicate() from None
    return _answer(result, status_url(result.notification.id))


async def submit_many(
    dependencies: NotificationsHttp, principal: Principal, entries: Sequence[BulkEntry], *, status_url: StatusUrl
) -> list[Answer]:
    """A bulk submission's entries, each (document, retry keys) or the FhirError it was already refused with:
    judged first, then those not refused stored in batches (:mod:`.bulk_submissions`); answered in order."""
    answers: list[Answer | None] = []
    submissions: list[Submission] = []
    for entry in entries:
        try:
            if isinstance(entry, FhirError):
                raise entry
            document, retry_keys = entry
            submissions.append(judged_submission(principal, document, retry_keys=retry_keys, submission_format="bulk"))
            answers.append(None)
        except FhirError as error:
            answers.append(refused(error))
    outcomes = iter(
        await submit_early_years_notifications(
            submissions, uow=dependencies.unit_of_work(), postcodes=dependencies.postcodes
        )
    )
    return [answer or _answer_of(next(outcomes), status_url) for answer in answers]


def judged_submission(
    principal: Principal,
    document: Any,
    *,
    retry_keys: tuple[str, ...] = (),
    submission_format: SubmissionFormat | None = None,
) -> Submission:
    """The submission ``document`` makes, judged without I/O; FhirError for input refused outright."""
    try:
        sent = parse_early_years_notification(document)
    except FhirInputRejected as rejected:
        raise FhirError(400, list(rejected.issues)) from None
    if not may_act_for(principal, sent.notifying_organisation):
        diagnostics = (
            f"The sender is organisation {principal.organisation}; the message names "
            f"{sent.notifying_organisation} as its sender. An NHS body notifies only as itself: send it with "
            f"{sent.notifying_organisation}'s own client or mailbox."
        )
        raise FhirError.one(403, "forbidden", diagnostics, SpineErrorCode.ACCESS_DENIED)
    refuse_impossible_dates(sent, datetime.now(UTC))
    if sent.child.nhs_number is None and sent.child.family_name is None:
        diagnostics = "The child needs an NHS number or a family name to be identified"
        raise FhirError.one(422, "required", diagnostics, SpineErrorCode.MISSING_VALUE)
    return Submission(
        notification=sent,
        body_hash=body_hash(document),
        keys=(f"message:{sent.notifying_organisation}:{sent.message_id}", *retry_keys),
        submission_format=submission_format or sent.submission_format,
    )


def _duplicate() -> FhirError:
    diagnostics = "This message id or retry id was used before with a different body"
    return FhirError.one(409, "duplicate", diagnostics, SpineErrorCode.DUPLICATE_REJECTED)


def _answer_of(outcome: Outcome, status_url: StatusUrl) -> Answer:
    if isinstance(outcome, DuplicateSubmission):
        return refused(_duplicate())
    return _answer(outcome, status_url(outcome.notification.id))


def refused(error: FhirError) -> Answer:
    return error.status, operation_outcome(error.issues), ""


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


def answer_line(index: int, outcome: Answer) -> dict[str, Any]:
    """One entry's answer as a line of a bulk answer (NDJSON)."""
    status, answer, url = outcome
    if status == 202:
        return {"index": index, "http_status": status, **answer}
    line: dict[str, Any] = {"index": index, "http_status": status, "outcome": answer}
    if url:
        line["status_url"] = url
    return line
