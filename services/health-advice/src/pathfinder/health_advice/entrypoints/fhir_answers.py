"""What the FHIR routes share: the limits on a body, the one answer for a request that is missing or not the
caller's to see, and a Task answered with its version."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from fastapi import Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Principal
from pathfinder.contracts.fhir import SpineErrorCode
from pathfinder.health_advice.entrypoints.fhir_resources import etag, fhir_base, london_today, task_resource, version
from pathfinder.health_advice.entrypoints.http_dependencies import HealthAdviceHttp
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound, SeenRequest, read_request
from pathfinder.web.fhir import FhirError, fhir_response

MAX_BODY_BYTES: Final = 1_000_000
MAX_JSON_DEPTH: Final = 64
"""A QuestionnaireResponse nests its items; deeper than this is no form a clinician fills in."""


def not_found() -> FhirError:
    """The same answer for an id that holds nothing and for a request the caller may not see."""
    return FhirError.one(404, "not-found", "No advice request has that id", SpineErrorCode.RESOURCE_NOT_FOUND)


def parse_request_id(given: str) -> UUID:
    try:
        return UUID(given)
    except ValueError:
        raise not_found() from None


async def seen_request(wanted: UUID, principal: Principal, dependencies: HealthAdviceHttp) -> SeenRequest:
    try:
        return await read_request(wanted, principal=principal, uow=dependencies.unit_of_work())
    except AdviceRequestNotFound:
        raise not_found() from None


def ensure_version(seen: SeenRequest, if_match: str | None) -> None:
    """412 unless ``If-Match`` (when given) names the request's current version."""
    if if_match is None:
        return
    named = if_match.strip()
    current = version(seen.request)
    if named != "*" and named.removeprefix("W/").strip('"') != current:
        diagnostics = f"If-Match does not name the current version ({etag(seen.request)}): read the Task again"
        raise FhirError.one(412, "conflict", diagnostics, None, ETag=etag(seen.request))


def task_answer(request: Request, seen: SeenRequest) -> JSONResponse:
    task = task_resource(seen, base_url=fhir_base(request), today=london_today())
    return fhir_response(200, task, {"ETag": etag(seen.request)})
