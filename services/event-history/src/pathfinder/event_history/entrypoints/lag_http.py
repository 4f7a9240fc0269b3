"""Consumer lag per group and partition, and the archive's end (where following it starts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pathfinder.event_history.entrypoints.dead_letter_views import ArchiveEndView, LagView, lag_view
from pathfinder.event_history.entrypoints.http_calls import RESPONSES, TheCall, refusals_as_problems
from pathfinder.event_history.entrypoints.http_dependencies import Dependencies
from pathfinder.event_history.service_layer.lag import consumer_lag
from pathfinder.event_history.service_layer.reading import archive_end

router = APIRouter(tags=["event history"])


@router.get("/lag", response_model=LagView, responses=RESPONSES, summary="Consumer lag")
async def lag(
    dependencies: Dependencies,
    call: TheCall,
    group: Annotated[str | None, Query(description="One consumer group (default: every platform group)")] = None,
    topic: Annotated[str | None, Query(description="With a group the platform does not run: its topic")] = None,
) -> LagView:
    """Per consumer group and partition: its committed offset, the partition's high watermark and the lag between
    them. `events:engineer` only; needs the `Pathfinder-Reason` header."""
    with refusals_as_problems():
        found = await consumer_lag(
            call, group or None, uow=dependencies.unit_of_work(), groups=dependencies.groups,
            known=dependencies.known_groups, topic=topic or None,
        )  # fmt: skip
    return lag_view(found)


@router.get("/archive/end", response_model=ArchiveEndView, responses=RESPONSES, summary="The archive's end")
async def end(dependencies: Dependencies, call: TheCall) -> ArchiveEndView:
    """The archive's last position now: give it as `after` to `GET /events` to read what is archived from now on.
    Anyone who may read events; needs the `Pathfinder-Reason` header."""
    with refusals_as_problems():
        position = await archive_end(call, uow=dependencies.unit_of_work())
    return ArchiveEndView(position=position)
