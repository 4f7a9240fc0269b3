"""RFC 9457 problem details for every error a service's HTTP API returns (FHIR endpoints use
OperationOutcome instead and install their own handlers)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pathfinder.auth import AccessDenied
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; some answers add members (errors, error, required_scopes)",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["location", "message"],
                "properties": {"location": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

_PROBLEM_DESCRIPTIONS = {
    400: "The request is malformed",
    401: "No valid access token (WWW-Authenticate says why)",
    403: "The access token lacks a scope, or the caller may not do this",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with the current state",
    422: "The request is not valid (see errors)",
    429: "Too many requests from this caller: retry after Retry-After seconds",
    503: "Temporarily unavailable",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route for the problem+json answers it can give: pass as
    ``@router.get(..., responses=problem_responses(401, 404))``."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        declared: dict[str, Any] = {
            "description": _PROBLEM_DESCRIPTIONS.get(status) or HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        if status == 401:
            declared["headers"] = {
                "WWW-Authenticate": {"description": "Bearer challenge", "schema": {"type": "string"}}
            }
        if status == 429:
            declared["headers"] = {
                "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}
            }
        responses[status] = declared
    return responses


class Problem(Exception):
    """Raise from a handler to answer with a problem document; ``extensions`` become members of it."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.headers = dict(headers or {})
        self.extensions = extensions


def problem_response(
    status: int, title: str, detail: str | None = None, *, type_: str = "about:blank", **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


async def _problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    response = problem_response(exc.status, exc.title, exc.detail, type_=exc.type, **exc.extensions)
    response.headers.update(exc.headers)
    return response


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    title = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(exc.status_code, title, detail)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Say where and what, never echo the submitted values: they may be personal data.
    errors = [
        {"location": ".".join(str(part) for part in error["loc"]), "message": error["msg"]} for error in exc.errors()
    ]
    return problem_response(422, "Request is not valid", "See 'errors' for each problem.", errors=errors)


async def _access_denied(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccessDenied)
    return problem_response(403, "Forbidden", exc.detail)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(AccessDenied, _access_denied)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
