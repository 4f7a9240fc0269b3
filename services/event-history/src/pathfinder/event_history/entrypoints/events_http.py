"""Finding events in the archive and showing one. Every call gives its reason and is audited. The query's values
are checked by the use case, not here, so that a query refused for its values is audited like any refusal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pathfinder.event_history.domain.event_slice import DEFAULT_LIMIT, MAX_LIMIT, SliceQuery
from pathfinder.event_history.entrypoints.http_calls import RESPONSES, TheCall, refusals_as_problems
from pathfinder.event_history.entrypoints.http_dependencies import Dependencies
from pathfinder.event_history.entrypoints.views import EventPageView, EventView, event_view, page_view
from pathfinder.event_history.service_layer.reading import find_events, show_event
from pathfinder.web.problems import problem_responses

router = APIRouter(prefix="/events", tags=["event history"])


@router.get("", response_model=EventPageView, responses=RESPONSES, summary="Find events")
async def find(
    dependencies: Dependencies,
    call: TheCall,
    event_type: Annotated[
        list[str] | None, Query(alias="type", description="An event type (ce_type); repeat for any of several")
    ] = None,
    la: Annotated[str | None, Query(description="The responsible LA's DfE code (an LA's client: its own only)")] = None,
    person: Annotated[str | None, Query(description="A child's pseudonymous person id")] = None,
    correlation_id: Annotated[str | None, Query(description="ce_correlationid")] = None,
    topic: Annotated[str | None, Query(description="One topic (a dead-letter topic, say)")] = None,
    since: Annotated[str | None, Query(description="RFC 3339; records at or after it (time on the broker)")] = None,
    until: Annotated[str | None, Query(description="RFC 3339; records before it")] = None,
    after: Annotated[str | None, Query(description="The `next` of the previous page")] = None,
    limit: Annotated[str | None, Query(description=f"Events per page, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT})")] = None,
) -> EventPageView:
    """The events of a slice, in archive order, `limit` a page, `next` the cursor of the following page. The
    platform's engineers (`events:engineer`) read every event; an LA's client holding `events:replay` reads its own
    LA's events only (asking for another LA is refused). Needs the `Pathfinder-Reason` header."""
    query = SliceQuery(
        types=tuple(event_type or ()), la=la, person=person, correlation_id=correlation_id, topic=topic, since=since,
        until=until, after=after, limit=limit,
    )  # fmt: skip
    with refusals_as_problems():
        page = await find_events(call, query, uow=dependencies.unit_of_work())
    return page_view(page)


@router.get(
    "/{event_id}", response_model=EventView, responses=problem_responses(400, 401, 403, 404), summary="Show an event"
)
async def show(
    dependencies: Dependencies,
    call: TheCall,
    event_id: str,
    topic: Annotated[str | None, Query(description="Which copy, when the id is on several topics")] = None,
) -> EventView:
    """One event with every header, its data, and its place in its child's history (up to 5 events either
    side). Without `topic`, the copy on its platform topic rather than a dead-letter copy. An event of another
    LA is answered as one that does not exist. Needs the `Pathfinder-Reason` header."""
    with refusals_as_problems():
        shown = await show_event(call, event_id, topic=topic, uow=dependencies.unit_of_work())
    return event_view(shown)
