"""Guarding the FHIR endpoints: who is calling, how fast, how big and how deep their input is; every refusal an
OperationOutcome (application/fhir+json) that never repeats what was sent."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import AccessTokenVerifier, InvalidAccessToken, JwksUnavailable, Principal, Scope
from pathfinder.auth.dependencies import NotAuthenticated, presented_token
from pathfinder.contracts.fhir import OutcomeIssue, SpineErrorCode, operation_outcome

FHIR_JSON = "application/fhir+json"
NDJSON = "application/x-ndjson"
JSON_MEDIA_TYPES = frozenset({FHIR_JSON, "application/json"})


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


async def fhir_principal(request: Request, scope: Scope) -> Principal:
    verifier: AccessTokenVerifier = request.app.state.access_tokens
    try:
        token = presented_token(request)
        if token is None:
            raise NotAuthenticated("An access token is required.")
        principal = await verifier.verify(token)
    except NotAuthenticated as refused:
        raise _unauthenticated(refused.description) from None
    except InvalidAccessToken as invalid:
        raise _unauthenticated(invalid.description) from None
    except JwksUnavailable:
        raise FhirError.one(503, "transient", "Access tokens cannot be checked just now", None) from None
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
    too_large = FhirError.one(413, "too-costly", f"The body is larger than {limit} bytes", None)
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


def body_hash(document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class RateLimiter:
    """A token bucket per API client, in this process: with several API processes each allows the rate, so a
    client's total is at most the rate times the replicas."""

    rate_per_second: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def admit(self, client: str) -> None:
        now = self.clock()
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_second)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            retry_after = str(max(1, math.ceil((1.0 - tokens) / self.rate_per_second)))
            raise FhirError.one(429, "throttled", "Too many requests: slow down", None, **{"Retry-After": retry_after})
        self._buckets[client] = (tokens - 1.0, now)
