"""The audit of the event history, for the platform's engineers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pathfinder.event_history.domain.event_slice import DEFAULT_LIMIT, MAX_LIMIT
from pathfinder.event_history.entrypoints.http_calls import RESPONSES, TheCall, refusals_as_problems
from pathfinder.event_history.entrypoints.http_dependencies import Dependencies
from pathfinder.event_history.entrypoints.views import AuditView, audit_view
from pathfinder.event_history.service_layer.reading import read_audit

router = APIRouter(prefix="/audit", tags=["event history"])


@router.get("", response_model=AuditView, responses=RESPONSES, summary="Read the audit")
async def audit(
    dependencies: Dependencies,
    call: TheCall,
    since: Annotated[str | None, Query(description="RFC 3339; entries at or after it")] = None,
    limit: Annotated[str | None, Query(description=f"Entries, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT})")] = None,
) -> AuditView:
    """Every call to the event history, oldest first: who (subject, organisation, role), what (action and slice),
    why (the reason given) and what came of it, refusals included. `events:engineer` only; needs the
    `Pathfinder-Reason` header, and is audited itself."""
    with refusals_as_problems():
        entries = await read_audit(call, since=since, limit=limit, uow=dependencies.unit_of_work())
    return audit_view(entries)
