"""What every ehcp command route shares: the idempotency key (``Idempotency-Key``, or ``X-Request-ID``), the
caller's principal, refusals answered as problem+json, and the reply given again for a repeated key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Principal, Scope
from pathfinder.ehcp.domain.clock import ExceptionRefused, RuleNotInForce
from pathfinder.ehcp.domain.lifecycle import InvalidStep, StepRefused
from pathfinder.ehcp.service_layer.commands import CaseNotFound, CommandKey, KeyReused, Reply
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem, problem_responses
from pydantic import BaseModel, ConfigDict, Field

NOT_FOUND = Problem(404, "Not Found", "No case with that id is held for your LA.")
PROBLEM_TYPE = "urn:pathfinder:problem:"
COMMAND_RESPONSES = problem_responses(401, 403, 404, 409, 422, 429)

Manager = Annotated[Principal, Depends(require_scopes(Scope.CASES_MANAGE))]
Reader = Annotated[Principal, Depends(require_scopes(Scope.CASES_READ))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Send the same key again to repeat a command safely: it is applied once and answered as the "
        "first time (IETF draft-ietf-httpapi-idempotency-key-header). `X-Request-ID` serves when this is absent.",
    ),
]
RequestId = Annotated[str | None, Header(alias="X-Request-ID", min_length=1, max_length=200)]


async def command_key(
    request: Request, principal: Manager, idempotency_key: IdempotencyKey = None, request_id: RequestId = None
) -> CommandKey:
    """The caller, its key, and a digest of the method, path and JSON body (a key reused for another request is
    refused). The body is read after the token was verified (a route's scopes are checked first)."""
    body = await request.body()
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True) if body else ""
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n{canonical}".encode()).hexdigest()
    return CommandKey(principal.subject, idempotency_key or request_id, digest)


Command = Annotated[CommandKey, Depends(command_key)]


@contextmanager
def refusals_as_problems() -> Iterator[None]:
    """A step the case does not allow now: 409 naming the steps it allows; facts that do not hold: 422."""
    try:
        yield
    except StepRefused as refused:
        raise Problem(
            409, "Step not allowed now", str(refused), type_=PROBLEM_TYPE + "step-not-allowed",
            step=refused.step, stage=refused.stage, allowed=list(refused.allowed),
        ) from None  # fmt: skip
    except (InvalidStep, ExceptionRefused, RuleNotInForce) as invalid:
        raise Problem(422, "Request is not valid", str(invalid), type_=PROBLEM_TYPE + "invalid-step") from None
    except KeyReused as reused:
        raise Problem(
            422, "Idempotency key reused", str(reused), type_=PROBLEM_TYPE + "idempotency-key-reused"
        ) from None
    except CaseNotFound:
        raise NOT_FOUND from None


async def run_command(pending: Awaitable[Reply]) -> JSONResponse:
    """Await the use case with refusals answered as problems; a repeated key's reply says it is a replay."""
    with refusals_as_problems():
        reply = await pending
    headers = {"Idempotent-Replayed": "true"} if reply.replayed else {}
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


class Body(BaseModel):
    """A command's JSON body: closed, so a misspelt field is refused rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class Dated(Body):
    on: date = Field(description="The London date of the step")


def body_of(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped
