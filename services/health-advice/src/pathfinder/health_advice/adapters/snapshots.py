"""An advice request as the JSON snapshot its row keeps, and back: every field but the events it raised, which
are the outbox's and come back empty. A field added with a default reads old snapshots."""

from __future__ import annotations

from typing import Any

from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pydantic import TypeAdapter

_REQUEST = TypeAdapter(AdviceRequest)


def request_state(request: AdviceRequest) -> dict[str, Any]:
    state: dict[str, Any] = _REQUEST.dump_python(request, mode="json", exclude={"events"})
    return state


def request_from(state: dict[str, Any]) -> AdviceRequest:
    return _REQUEST.validate_python(state)
