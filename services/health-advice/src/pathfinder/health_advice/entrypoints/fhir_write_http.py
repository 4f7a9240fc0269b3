"""Changing an advice request through FHIR, each change one step of the request (one transaction, its event):

- ``PUT /fhir/Task/{id}``: the whole Task as read, with one change (:mod:`.fhir_task_update` says which map to
  which step), ``If-Match`` its version to be sure nobody changed it since.
- ``POST /fhir/Task/{id}/$submit-advice``: the advice itself, a DocumentReference or a QuestionnaireResponse.

Both answer the Task as it then stands. Scopes ``advice:read`` and ``advice:submit``: the ICB asked, the
provider of the team the request is routed to, or the team's lead. Refusals are OperationOutcomes: 400 a body
that is no acceptable resource, 404 no request the caller may see, 409 a step the request does not allow now
(naming those it does), 412 a stale ``If-Match``, 415 another media type, 422 a change that cannot be made.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Final
from uuid import UUID

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from fhir.resources.R4B.task import Task
from pathfinder.auth import AccessDenied, Principal, Scope
from pathfinder.contracts.fhir import FhirInputRejected, OutcomeIssue, SpineErrorCode, parse_submitted_advice
from pathfinder.contracts.fhir.advice_request import STATUSES, AdviceRequestStatus
from pathfinder.contracts.fhir.outcome import parse_resource
from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pathfinder.health_advice.domain.steps import InvalidStep, StepRefused
from pathfinder.health_advice.entrypoints.fhir_answers import (
    MAX_BODY_BYTES,
    MAX_JSON_DEPTH,
    ensure_version,
    not_found,
    parse_request_id,
    seen_request,
    task_answer,
)
from pathfinder.health_advice.entrypoints.fhir_openapi import ADVICE_BODY, TASK_BODY, TASK_SCHEMA, fhir_answer
from pathfinder.health_advice.entrypoints.fhir_resources import fhir_base, london_today, task_resource
from pathfinder.health_advice.entrypoints.fhir_task_update import TaskChange, requested_change
from pathfinder.health_advice.entrypoints.http_dependencies import Dependencies, HealthAdviceHttp
from pathfinder.health_advice.service_layer import advice_requests
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound, SeenRequest
from pathfinder.web.fhir import (
    JSON_MEDIA_TYPES,
    FhirError,
    access_denied,
    fhir_error_responses,
    fhir_principal,
    media_type,
    parse_json,
    read_body,
)

router = APIRouter(prefix="/fhir", tags=["advice requests (FHIR)"])
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=100, description="The Task's ETag as read: refused (412) if it changed since"),
]
PATHS: Final = ("/fhir/Task/{advice_request_id}", "/fhir/Task/{advice_request_id}/$submit-advice")
"""The routes that read their bodies themselves, after the token, and answer an oversized one with an
OperationOutcome."""

_IN_FHIR: Final = {
    "accept": "status accepted",
    "assign": "status in-progress with the clinician as owner",
    "record-clock-stop": "businessStatus a reg 8(2) reason (a clock stop)",
    "end-clock-stop": "businessStatus on-clock (the clock stop ends)",
    "submit": "status completed with the advice as output, or $submit-advice",
    "cancel": "cancellation (by the ICB's dashboard)",
}
_REFUSALS: Final = {
    400: "The body is not JSON, too deep, not a Task (or not the advice) acceptable as FHIR R4, or the id is not "
    "the URL's (the issues locate each problem)",
    403: "The access token lacks advice:read or advice:submit, or the caller may not act on this request",
    409: "The request does not allow this step now: the diagnostics name the steps it allows",
    422: "The change cannot be made: an element the platform sets was changed, more than one step was asked, or "
    "the step's facts do not hold (a clock stop before the request was received, say)",
}


@router.put(
    "/Task/{advice_request_id}",
    tags=["person-data"],
    summary="Take a step on an advice request by updating its Task",
    response_class=JSONResponse,
    responses={
        **fhir_answer(TASK_SCHEMA, "The Task as it now stands", versioned=True),
        **fhir_error_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, described=_REFUSALS),
    },
    openapi_extra=TASK_BODY,
)
async def update_task(
    advice_request_id: str, request: Request, dependencies: Dependencies, if_match: IfMatch = None
) -> JSONResponse:
    """The Task as read (``GET /fhir/Task/{id}``) with one change: ``status`` ``accepted`` accepts the request;
    ``in-progress`` with ``owner`` a Practitioner identified by
    ``https://fhir.pathfinder-send.org/Id/advice-assignee`` (an account subject or a clinician reference, never a
    name) assigns it (``owner`` changed alone reassigns it); ``completed`` with ``output`` referencing (``#id``)
    the advice contained in the Task submits it. ``businessStatus`` a reg 8(2) reason
    (``https://fhir.pathfinder-send.org/CodeSystem/advice-clock-stop-reason``) stops the clock from today, or
    from the ``period.start`` of the clock-stop extension added for it; ``on-clock`` ends the stop on its
    extension's ``period.end``, else yesterday. A waiting list never stops the clock. Every other element comes
    back as read (``meta``, ``text`` and the computed ``restriction`` are ignored); the same Task again changes
    nothing."""
    principal = await _actor(request)
    document = await _body(request)
    wanted = parse_request_id(advice_request_id)
    try:
        task = parse_resource(document, Task)
    except FhirInputRejected as rejected:
        raise FhirError(400, list(rejected.issues)) from None
    if _id(task.id) != wanted:
        diagnostics = "Task.id must be the id in the URL"
        raise FhirError(400, [OutcomeIssue("invariant", diagnostics, SpineErrorCode.CONFLICTING_VALUES, ("Task.id",))])
    seen = await seen_request(wanted, principal, dependencies)
    if not seen.in_full:
        raise access_denied()
    ensure_version(seen, if_match)
    today = london_today()
    current = Task.model_validate(task_resource(seen, base_url=fhir_base(request), today=today))
    change = requested_change(document, task, current.model_dump(mode="json"), seen.request, today)
    if change is None:
        return task_answer(request, seen)
    updated = await _take(change, wanted, principal, dependencies)
    return task_answer(request, SeenRequest(updated, in_full=True))


@router.post(
    "/Task/{advice_request_id}/$submit-advice",
    tags=["person-data"],
    summary="Submit the advice: a DocumentReference or a QuestionnaireResponse",
    response_class=JSONResponse,
    responses={
        **fhir_answer(TASK_SCHEMA, "The Task, completed", versioned=True),
        **fhir_error_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, described=_REFUSALS),
    },
    openapi_extra=ADVICE_BODY,
)
async def submit_advice(
    advice_request_id: str, request: Request, dependencies: Dependencies, if_match: IfMatch = None
) -> JSONResponse:
    """The advice for the request, given now: a DocumentReference (one https ``url`` with ``contentType``,
    ``size`` and SHA-1 ``hash``, no inline data) or a QuestionnaireResponse (completed, with its questionnaire
    and answers), authored by an Organization identified by ODS code. It is on time if given on or before the
    statutory due date (``HealthAdviceSubmitted.within_statutory_limit``); an open clock stop ends that day.
    Submitted again, the first submission stands. Answers the completed Task."""
    principal = await _actor(request)
    document = await _body(request)
    wanted = parse_request_id(advice_request_id)
    try:
        advice = parse_submitted_advice(document, advice_request_id=wanted)
    except FhirInputRejected as rejected:
        raise FhirError(400, list(rejected.issues)) from None
    if if_match is not None:
        ensure_version(await seen_request(wanted, principal, dependencies), if_match)
    change = TaskChange("submit", str(document["resourceType"]), advice=advice, document=document)
    updated = await _take(change, wanted, principal, dependencies)
    return task_answer(request, SeenRequest(updated, in_full=True))


async def _actor(request: Request) -> Principal:
    """A change answers the Task: the caller reads as well as acts."""
    principal = await fhir_principal(request, Scope.ADVICE_SUBMIT)
    if not principal.has_scope(Scope.ADVICE_READ.value):
        diagnostics = f"The access token lacks the scope {Scope.ADVICE_READ.value}"
        raise FhirError.one(403, "forbidden", diagnostics, SpineErrorCode.ACCESS_DENIED)
    return principal


async def _body(request: Request) -> Any:
    media_type(request, JSON_MEDIA_TYPES)
    return parse_json(await read_body(request, MAX_BODY_BYTES), MAX_JSON_DEPTH)


def _id(given: str | None) -> UUID | None:
    try:
        return UUID(given or "")
    except ValueError:
        return None


async def _take(
    change: TaskChange, wanted: UUID, principal: Principal, dependencies: HealthAdviceHttp
) -> AdviceRequest:
    uow = dependencies.unit_of_work()
    with _refusals(change.expression):
        if change.step == "accept":
            return await advice_requests.accept(wanted, principal=principal, uow=uow)
        if change.step == "assign" and change.to is not None:
            return await advice_requests.assign(wanted, to=change.to, principal=principal, uow=uow)
        if change.step == "record-clock-stop" and change.reason is not None and change.on is not None:
            return await advice_requests.record_clock_stop(
                wanted, reason=change.reason, started_on=change.on, principal=principal, uow=uow
            )
        if change.step == "end-clock-stop" and change.on is not None:
            return await advice_requests.end_clock_stop(wanted, ended_on=change.on, principal=principal, uow=uow)
        if change.step == "submit" and change.advice is not None:
            return await advice_requests.submit_advice(
                wanted,
                form=change.advice.form,
                submitted_at=datetime.now(UTC),
                principal=principal,
                uow=uow,
                advice=change.document,
            )
    raise AssertionError(f"a change without its facts: {change.step}")


@contextmanager
def _refusals(expression: str) -> Iterator[None]:
    try:
        yield
    except AdviceRequestNotFound:
        raise not_found() from None
    except AccessDenied:
        raise access_denied() from None
    except StepRefused as refused:
        raise FhirError(409, [OutcomeIssue("business-rule", _not_now(refused), None, (expression,))]) from None
    except InvalidStep as invalid:
        issue = OutcomeIssue("business-rule", str(invalid), SpineErrorCode.INVALID_VALUE, (expression,))
        raise FhirError(422, [issue]) from None


def _not_now(refused: StepRefused) -> str:
    status = STATUSES[AdviceRequestStatus(refused.status)][0]
    allowed = "; ".join(_IN_FHIR[step] for step in refused.allowed) or "none: the request is closed"
    return f"{_IN_FHIR[refused.step]} is not allowed while the Task is {status}. Allowed now: {allowed}"
