"""What every event-history route shares: the caller (any valid token for this API: the use cases decide what it
may read, and audit the refusal), the reason it gives, and refusals answered as problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Header
from pathfinder.auth import Principal
from pathfinder.event_history.domain.audit import MAX_REASON, REASON_HEADER
from pathfinder.event_history.domain.refusals import (
    AnotherLasEvents,
    EventNotFound,
    GroupInUse,
    InvalidQuery,
    MissingReason,
    NotAllowed,
    ReplayNotFound,
)
from pathfinder.event_history.entrypoints.http_dependencies import Dependencies
from pathfinder.event_history.service_layer.reading import Call
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem, problem_responses

PROBLEM_TYPE = "urn:pathfinder:problem:"
RESPONSES = problem_responses(400, 401, 403, 422)

Caller = Annotated[Principal, Depends(require_scopes())]
Reason = Annotated[
    str | None,
    Header(
        alias=REASON_HEADER,
        description=f"Why you are reading (1 to {MAX_REASON} characters: a ticket or incident reference, say). "
        "Required: a call without it is refused with 400. Every call is audited with it.",
    ),
]


async def call_of(principal: Caller, dependencies: Dependencies, reason: Reason = None) -> Call:
    return Call(principal, reason, dependencies.now())


TheCall = Annotated[Call, Depends(call_of)]


@contextmanager
def refusals_as_problems() -> Iterator[None]:
    try:
        yield
    except MissingReason as missing:
        raise Problem(400, "Reason required", missing.detail, type_=PROBLEM_TYPE + "reason-required") from None
    except InvalidQuery as invalid:
        raise Problem(422, "Request is not valid", invalid.detail) from None
    except AnotherLasEvents as refused:
        raise Problem(403, "Forbidden", refused.detail, type_=PROBLEM_TYPE + "another-las-events") from None
    except NotAllowed as refused:
        raise Problem(403, "Forbidden", refused.detail) from None
    except (EventNotFound, ReplayNotFound) as missing:
        raise Problem(404, "Not Found", missing.detail) from None
    except GroupInUse as busy:
        raise Problem(409, "Conflict", busy.detail, type_=PROBLEM_TYPE + "group-in-use") from None
