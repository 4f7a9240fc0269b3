"""Reading advice requests as FHIR: ``GET /fhir/Task/{id}`` and ``GET /fhir/ServiceRequest/{id}`` (the pair of
``pathfinder.contracts.fhir.advice_request``) and ``GET /fhir/Task?status=&owner=&_count=&page=``, a searchset
Bundle of the requests the caller may see, page by page. Scope ``advice:read``; a request the caller may not
see is answered as one that does not exist (404)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Scope
from pathfinder.contracts.fhir import SpineErrorCode
from pathfinder.contracts.fhir.advice_codes import PROVIDER_TEAM_IDENTIFIER_SYSTEM
from pathfinder.contracts.fhir.advice_request import STATUS_OF_TASK
from pathfinder.health_advice.domain.advice_request import AdviceStatus
from pathfinder.health_advice.entrypoints.fhir_answers import parse_request_id, seen_request, task_answer
from pathfinder.health_advice.entrypoints.fhir_openapi import (
    SEARCHSET_SCHEMA,
    SERVICE_REQUEST_SCHEMA,
    TASK_SCHEMA,
    fhir_answer,
)
from pathfinder.health_advice.entrypoints.fhir_resources import (
    etag,
    fhir_base,
    london_today,
    service_request_resource,
    task_resource,
    task_url,
)
from pathfinder.health_advice.entrypoints.http_dependencies import Dependencies
from pathfinder.health_advice.service_layer.advice_requests import search_requests
from pathfinder.web.fhir import FhirError, fhir_error_responses, fhir_principal, fhir_response

router = APIRouter(prefix="/fhir", tags=["advice requests (FHIR)"])

SEARCH_WINDOW: Final = 1000
"""Matches a search pages through, oldest received first: narrow it by status or owner to reach others."""
OTHER_TASK_STATUSES: Final = frozenset(
    {"draft", "received", "rejected", "ready", "on-hold", "failed", "entered-in-error"}
)
"""FHIR Task statuses no advice request has: searching for them finds nothing."""


@router.get(
    "/Task/{advice_request_id}",
    tags=["person-data"],
    summary="An advice request's Task: its status, statutory due date and clock",
    response_class=JSONResponse,
    responses={**fhir_answer(TASK_SCHEMA, "The Task", versioned=True), **fhir_error_responses(401, 403, 404)},
)
async def read_task(advice_request_id: str, request: Request, dependencies: Dependencies) -> JSONResponse:
    """The Task of the advice request (FHIR R4, ``application/fhir+json``), with its version as ``ETag`` for a
    later ``If-Match``. The ICB asked, the provider of the team it is routed to and the team's lead read it in
    full (clock stops, owner, the advice once given); the requesting LA reads its status and due date only."""
    principal = await fhir_principal(request, Scope.ADVICE_READ)
    seen = await seen_request(parse_request_id(advice_request_id), principal, dependencies)
    return task_answer(request, seen)


@router.get(
    "/ServiceRequest/{advice_request_id}",
    tags=["person-data"],
    summary="An advice request's ServiceRequest: what is asked, of whom, for which child",
    response_class=JSONResponse,
    responses={
        **fhir_answer(SERVICE_REQUEST_SCHEMA, "The ServiceRequest", versioned=True),
        **fhir_error_responses(401, 403, 404),
    },
)
async def read_service_request(advice_request_id: str, request: Request, dependencies: Dependencies) -> JSONResponse:
    """The ServiceRequest the Task fulfils (FHIR R4, ``application/fhir+json``): advice for an EHC needs
    assessment asked by the LA (requester) of the health body (performer) for the child (subject)."""
    principal = await fhir_principal(request, Scope.ADVICE_READ)
    seen = await seen_request(parse_request_id(advice_request_id), principal, dependencies)
    document = service_request_resource(seen, base_url=fhir_base(request), today=london_today())
    return fhir_response(200, document, {"ETag": etag(seen.request)})


@router.get(
    "/Task",
    tags=["person-data"],
    summary="Search the advice requests' Tasks the caller may see",
    response_class=JSONResponse,
    responses={
        **fhir_answer(SEARCHSET_SCHEMA, "A searchset Bundle: one page of Tasks"),
        **fhir_error_responses(
            400,
            401,
            403,
            parameter_validation=True,
            described={
                400: f"status is not a Task status, owner is not a provider team, or the page is past the "
                f"first {SEARCH_WINDOW} matches"
            },
        ),
    },
)
async def search_tasks(
    request: Request,
    dependencies: Dependencies,
    status: Annotated[
        str | None, Query(max_length=200, description="Task statuses, comma-separated (any of them matches)")
    ] = None,
    owner: Annotated[
        str | None,
        Query(
            max_length=300,
            description="A provider team, by the id its ICB gave it (optionally as "
            f"{PROVIDER_TEAM_IDENTIFIER_SYSTEM}|id): the requests routed to it, assigned or not",
        ),
    ] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=100, description="Tasks per page")] = 20,
    page: Annotated[int, Query(ge=1, le=SEARCH_WINDOW, description="The page, from 1")] = 1,
) -> JSONResponse:
    """The Tasks of the requests the caller may see (as ``GET /fhir/Task/{id}`` shows each), oldest received
    first, as a searchset Bundle whose ``next`` link gives the next page. An ICB sees its requests across its
    LAs, a provider its teams', the requesting LA its own (status only); anyone else finds none."""
    principal = await fhir_principal(request, Scope.ADVICE_READ)
    statuses = _statuses(status)
    team_id = _team(owner) if owner is not None else None
    if page * count > SEARCH_WINDOW:
        diagnostics = f"Only the first {SEARCH_WINDOW} matches are paged: narrow the search by status or owner"
        raise FhirError.one(400, "too-costly", diagnostics, SpineErrorCode.INVALID_PARAMETER)
    found = []
    if statuses is None or statuses:
        found = await search_requests(
            principal,
            uow=dependencies.unit_of_work(),
            statuses=statuses or (),
            team_id=team_id,
            limit=page * count + 1,
        )
    base, today = fhir_base(request), london_today()
    shown = found[(page - 1) * count : page * count]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": _links(request, page, more=len(found) > page * count),
        "entry": [
            {
                "fullUrl": task_url(base, seen.request.advice_request_id),
                "resource": task_resource(seen, base_url=base, today=today),
                "search": {"mode": "match"},
            }
            for seen in shown
        ],
    }
    if len(found) <= page * count:
        bundle["total"] = len(found)
    if not bundle["entry"]:
        del bundle["entry"]
    return fhir_response(200, bundle)


def _statuses(given: str | None) -> tuple[AdviceStatus, ...] | None:
    """The statuses asked for (None: any); empty when only statuses no request has were asked for."""
    if given is None:
        return None
    codes = [code.strip() for code in given.split(",")]
    unknown = [code for code in codes if code not in STATUS_OF_TASK and code not in OTHER_TASK_STATUSES]
    if unknown:
        diagnostics = f"status takes Task statuses: {', '.join(STATUS_OF_TASK)}"
        raise FhirError.one(400, "value", diagnostics, SpineErrorCode.INVALID_PARAMETER)
    return tuple(dict.fromkeys(AdviceStatus(STATUS_OF_TASK[code].value) for code in codes if code in STATUS_OF_TASK))


def _team(owner: str) -> str:
    system, bar, value = owner.rpartition("|")
    if bar and system != PROVIDER_TEAM_IDENTIFIER_SYSTEM:
        diagnostics = f"owner is a provider team: its id, or {PROVIDER_TEAM_IDENTIFIER_SYSTEM}|id"
        raise FhirError.one(400, "value", diagnostics, SpineErrorCode.INVALID_PARAMETER)
    return value.removeprefix("HealthcareService/")


def _links(request: Request, page: int, *, more: bool) -> list[dict[str, str]]:
    links = [{"relation": "self", "url": str(request.url)}]
    if more:
        links.append({"relation": "next", "url": str(request.url.include_query_params(page=page + 1))})
    if page > 1:
        links.append({"relation": "previous", "url": str(request.url.include_query_params(page=page - 1))})
    return links
