"""Dead letters: listing them per consumer group with the reason and error, showing one, and redriving chosen ones
(or every one matching a filter) to the consumer group that dead-lettered them, once each. Every call gives its
reason and is audited; the filter's values are read and checked by the use cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pathfinder.event_history.domain.event_slice import DEFAULT_LIMIT, MAX_LIMIT, SliceQuery
from pathfinder.event_history.entrypoints.dead_letter_views import (
    DeadLetterDetailView,
    DeadLetterPageView,
    RedriveRequest,
    RedriveView,
    dead_letter_detail_view,
    dead_letter_page_view,
    redrive_view,
)
from pathfinder.event_history.entrypoints.http_calls import RESPONSES, TheCall, refusals_as_problems
from pathfinder.event_history.entrypoints.http_dependencies import Dependencies
from pathfinder.event_history.service_layer.dead_letters import list_dead_letters, redrive, show_dead_letter
from pathfinder.web.problems import problem_responses

router = APIRouter(prefix="/dead-letters", tags=["event history"])


@router.get("", response_model=DeadLetterPageView, responses=RESPONSES, summary="List dead letters")
async def dead_letters(
    dependencies: Dependencies,
    call: TheCall,
    group: Annotated[str | None, Query(description="One consumer group's, e.g. ehcp.early-years-intake")] = None,
    event_type: Annotated[
        list[str] | None, Query(alias="type", description="An event type; repeat for several")
    ] = None,
    la: Annotated[str | None, Query(description="The responsible LA's DfE code (an LA's client: its own only)")] = None,
    since: Annotated[str | None, Query(description="RFC 3339; dead-lettered at or after it")] = None,
    until: Annotated[str | None, Query(description="RFC 3339; dead-lettered before it")] = None,
    after: Annotated[str | None, Query(description="The `next` of the previous page")] = None,
    limit: Annotated[str | None, Query(description=f"Per page, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT})")] = None,
) -> DeadLetterPageView:
    """What each consumer group could not apply, with its reason and error, in archive order, and whether it was
    redriven. The platform's engineers read every one; an LA's client holding `events:replay` its own LA's."""
    query = SliceQuery(types=tuple(event_type or ()), la=la, since=since, until=until, after=after, limit=limit)
    with refusals_as_problems():
        page = await list_dead_letters(call, query, group=group, uow=dependencies.unit_of_work())
    return dead_letter_page_view(page)


@router.get(
    "/{position}", response_model=DeadLetterDetailView, responses=problem_responses(400, 401, 403, 404, 422),
    summary="Show a dead letter",
)  # fmt: skip
async def dead_letter(dependencies: Dependencies, call: TheCall, position: int) -> DeadLetterDetailView:
    """One dead letter with every header and its data. One of another LA is answered as one that does not exist."""
    with refusals_as_problems():
        found = await show_dead_letter(call, position, uow=dependencies.unit_of_work())
    return dead_letter_detail_view(found)


@router.post("/redrive", response_model=RedriveView, responses=RESPONSES, summary="Redrive dead letters")
async def redrive_dead_letters(dependencies: Dependencies, call: TheCall, body: RedriveRequest) -> RedriveView:
    """Send dead letters back to the consumer group that could not apply them, once the fix is deployed: those
    at `positions`, or every one matching `filter` (a slice and a `group`), not both. Each is redriven once (one
    already redriven is skipped, saying when and by whom); the consumer applies it once however often it comes.
    `dry_run` says what would be redriven and sends nothing."""
    wanted = body.filter.query() if body.filter is not None else None
    group = body.filter.group if body.filter is not None else None
    with refusals_as_problems():
        done = await redrive(
            call, positions=body.positions, wanted=wanted, group=group, dry_run=body.dry_run,
            uow=dependencies.unit_of_work(), sender=dependencies.sender,
        )  # fmt: skip
    return redrive_view(done)
