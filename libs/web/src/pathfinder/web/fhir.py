"""What every service's FHIR routes share: who is calling, how fast (each client's buckets), the media type, how
big and how deep the input is; every refusal an OperationOutcome (application/fhir+json) that never repeats what
was sent.

A FHIR route checks the token itself (:func:`fhir_principal`) so that a refusal is an OperationOutcome, not
problem+json; its router declares the bearer scheme with ``pathfinder.web.access.bearer_token_documented``. The
service calls :func:`install_fhir_errors` once when it builds its app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Principal, Scope
from pathfinder.contracts.fhir import OutcomeIssue, SpineErrorCode, operation_outcome
from pathfinder.web.access import NotAuthenticated, authenticated
from pathfinder.web.problems import PROBLEM_JSON, Problem, problem_responses
from pathfinder.web.rate_limits import ClientRateLimits, RateLimited

FHIR_JSON = "application/fhir+json"
JSON_MEDIA_TYPES = frozenset({FHIR_JSON, "application/json"})

OPERATION_OUTCOME_SCHEMA: dict[str, Any] = {
    "title": "OperationOutcome",
    "description": "FHIR R4 OperationOutcome; issue.details.coding holds the NHS Spine error code",
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"enum": ["fatal", "error", "warning", "information"]},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "details": {"type": "object"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
    "additionalProperties": True,
}

_REFUSALS = {
    400: "Not JSON, nested too deep, or not an acceptable FHIR resource (the issues locate each problem)",
    401: "No valid access token (WWW-Authenticate says why)",
    403: "The access token lacks the scope, or the caller may not do this (for this organisation or LA)",
    404: "No such resource, as far as the caller may know",
    409: "Conflicts with the resource as it stands",
    412: "If-Match names a version that is no longer the current one: read the resource again",
    413: "The body is over the limit",
    415: "The Content-Type is not one this operation accepts",
    422: "Understood but refused as it stands",
    429: "Too many requests from this client: retry after Retry-After seconds",
}
_REFUSAL_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer challenge", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}},
}


def fhir_error_responses(
    *statuses: int, parameter_validation: bool = False, described: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a FHIR route for the OperationOutcome answers it can give; ``described``
    says what a status means on this route where the general description is too vague.

    ``parameter_validation``: the route has path or query parameters FastAPI checks before the route runs; the
    app's handler refuses those with a 422 problem+json, not an OperationOutcome.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        declared: dict[str, Any] = {
            "description": (described or {}).get(status) or _REFUSALS[status],
            "content": {FHIR_JSON: {"schema": OPERATION_OUTCOME_SCHEMA}},
        }
        if status in _REFUSAL_HEADERS:
            declared["headers"] = _REFUSAL_HEADERS[status]
        responses[status] = declared
    if parameter_validation:
        invalid = problem_responses(422)[422]
        if 422 in responses:
            responses[422] = {
                "description": f"{responses[422]['description']}; or a path or query parameter is not valid",
                "content": {**responses[422]["content"], PROBLEM_JSON: invalid["content"][PROBLEM_JSON]},
            }
        else:
            responses[422] = invalid
    return responses


class FhirError(Exception):
    def __init__(self, status: int, issues: list[OutcomeIssue], headers: Mapping[str, str] | None = None) -> None:
        super().__init__(issues[0].diagnostics)
        self.status = status
        self.issues = issues
        self.headers = dict(headers or {})

    @classmethod
    def one(cls, status: int, code: str, diagnostics: str, spine: SpineErrorCode | None, **headers: str) -> FhirError:
        return cls(status, [OutcomeIssue(code, diagnostics, spine)], headers)


def fhir_response(status: int, document: Any, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(document, status_code=status, media_type=FHIR_JSON, headers=dict(headers or {}))


async def _fhir_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FhirError)
    return fhir_response(exc.status, operation_outcome(exc.issues), exc.headers)


def install_fhir_errors(app: FastAPI) -> None:
    app.add_exception_handler(FhirError, _fhir_error)


async def fhir_authenticated(request: Request) -> Principal:
    """Who presented the request's access token, verified once per request (see ``web.access.authenticated``)."""
    try:
        return await authenticated(request)
    except NotAuthenticated as refused:
        raise _unauthenticated(refused.description) from None
    except Problem as problem:  # the keys cannot be had just now (503)
        raise FhirError.one(problem.status, "transient", "Access tokens cannot be checked just now", None) from None


async def fhir_principal(request: Request, scope: Scope) -> Principal:
    principal = await fhir_authenticated(request)
    if not principal.has_scope(scope.value):
        raise FhirError.one(
            403, "forbidden", f"The access token lacks the scope {scope.value}", SpineErrorCode.ACCESS_DENIED
        )
    return principal


def _unauthenticated(description: str) -> FhirError:
    challenge = f'Bearer realm="pathfinder", error="invalid_token", error_description="{description}"'
    return FhirError.one(401, "login", description, SpineErrorCode.ACCESS_DENIED, **{"WWW-Authenticate": challenge})


def access_denied() -> FhirError:
    return FhirError.one(403, "forbidden", "You are not allowed to do this", SpineErrorCode.ACCESS_DENIED)


def media_type(request: Request, allowed: frozenset[str]) -> str:
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given not in allowed:
        diagnostics = f"Content-Type must be one of {', '.join(sorted(allowed))}"
        raise FhirError.one(415, "not-supported", diagnostics, SpineErrorCode.UNSUPPORTED_MEDIA_TYPE)
    return given


async def read_body(request: Request, limit: int) -> bytes:
    too_large = FhirError.one(413, "too-costly", f"The body is larger than {limit} bytes", SpineErrorCode.BAD_REQUEST)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large
    return bytes(body)


def parse_json(text: bytes | str, max_depth: int, *, where: str = "The body") -> Any:
    not_json = FhirError.one(400, "structure", f"{where} is not JSON", SpineErrorCode.MESSAGE_NOT_WELL_FORMED)
    try:
        document = json.loads(text)
    except RecursionError:
        raise _too_deep(where, max_depth) from None
    except ValueError:
        raise not_json from None
    if json_depth(document) > max_depth:
        raise _too_deep(where, max_depth)
    if _has_unstorable_text(document):
        # PostgreSQL can keep neither in text or jsonb: refused here rather than failing when stored.
        diagnostics = f"{where} has a string with the character U+0000 or an unpaired surrogate"
        raise FhirError.one(400, "structure", diagnostics, SpineErrorCode.MESSAGE_NOT_WELL_FORMED)
    return document


def _too_deep(where: str, max_depth: int) -> FhirError:
    diagnostics = f"{where} nests JSON deeper than {max_depth} levels"
    return FhirError.one(400, "too-costly", diagnostics, SpineErrorCode.MESSAGE_NOT_WELL_FORMED)


def json_depth(document: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _has_unstorable_text(document: Any) -> bool:
    stack: list[Any] = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return True
        elif isinstance(value, dict):
            stack.extend(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


@dataclass(frozen=True, eq=False)  # hashed by identity: FastAPI keys its dependency cache on it
class FhirRateLimits:
    """Each client's limits on the FHIR routes (a route dependency), refusals as OperationOutcomes."""

    limits: ClientRateLimits

    async def __call__(self, request: Request) -> None:
        principal = await fhir_authenticated(request)
        try:
            await self.limits.admit(request, principal)
        except RateLimited as limited:
            diagnostics = "Too many requests: slow down"
            raise FhirError.one(429, "throttled", diagnostics, None, **{"Retry-After": limited.retry_after}) from None
