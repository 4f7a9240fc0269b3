"""Replays: the dry run, asking for a replay (the worker sends it), following, pausing, resuming and cancelling
it. Every call gives its reason and is audited; the slice and target are read and checked by the use cases."""

from __future__ import annotations

from fastapi import APIRouter
from pathfinder.event_history.entrypoints.http_calls import TheCall, refusals_as_problems
from pathfinder.event_history.entrypoints.http_dependencies import Dependencies
from pathfinder.event_history.entrypoints.replay_views import (
    ReplayListView,
    ReplayPlanView,
    ReplayRequest,
    ReplayView,
    plan_view,
    replay_view,
    replays_view,
)
from pathfinder.event_history.service_layer.replays import (
    change_replay,
    list_replays,
    plan_replay,
    read_replay,
    start_replay,
)
from pathfinder.web.problems import problem_responses

router = APIRouter(prefix="/replays", tags=["event history"])
ASKING = problem_responses(400, 401, 403, 409, 422)
ONE = problem_responses(400, 401, 403, 404, 422)


@router.post("/dry-run", response_model=ReplayPlanView, responses=ASKING, summary="Count what a replay would send")
async def dry_run(dependencies: Dependencies, call: TheCall, body: ReplayRequest) -> ReplayPlanView:
    """The events the replay would send, counted by topic and partition, type and LA, with the archive's end it
    would stop at; for a consumer group, the offset each partition would be set to. Sends nothing and changes
    nothing but the audit. The platform's engineers (`events:engineer`) replay any slice to any target; an LA's
    client holding `events:replay` replays its own LA's events to one of its subscriptions only. Needs the
    `Pathfinder-Reason` header."""
    with refusals_as_problems():
        plan = await plan_replay(
            call, body.slice.query(), body.target.query(), uow=dependencies.unit_of_work(), groups=dependencies.groups
        )
    return plan_view(plan)


@router.post("", response_model=ReplayView, status_code=201, responses=ASKING, summary="Start a replay")
async def start(dependencies: Dependencies, call: TheCall, body: ReplayRequest) -> ReplayView:
    """A replay of the slice's events archived up to now, sent in archive order at `rate` events a second by the
    worker (follow it with `GET /replays/{id}`); split by partition key among the worker's replay processes, so
    each child's events arrive in order. A consumer group is rewound at once (409 while it has live
    members), and its replay is done when answered."""
    with refusals_as_problems():
        replay = await start_replay(
            call, body.slice.query(), body.target.query(), rate=body.rate, uow=dependencies.unit_of_work(),
            groups=dependencies.groups, shards=dependencies.replay_shards,
        )  # fmt: skip
    return replay_view(replay)


@router.get("", response_model=ReplayListView, responses=ONE, summary="List replays")
async def replays(dependencies: Dependencies, call: TheCall) -> ReplayListView:
    """The latest replays first: your organisation's (an engineer: everyone's)."""
    with refusals_as_problems():
        found = await list_replays(call, uow=dependencies.unit_of_work())
    return replays_view(found)


@router.get("/{replay_id}", response_model=ReplayView, responses=ONE, summary="Show a replay")
async def replay(dependencies: Dependencies, call: TheCall, replay_id: str) -> ReplayView:
    """One replay with its progress. Another organisation's is answered as one that does not exist."""
    with refusals_as_problems():
        found = await read_replay(call, replay_id, uow=dependencies.unit_of_work())
    return replay_view(found)


async def _change(dependencies: Dependencies, call: TheCall, replay_id: str, change: str) -> ReplayView:
    with refusals_as_problems():
        changed = await change_replay(call, replay_id, change, uow=dependencies.unit_of_work())
    return replay_view(changed)


@router.post("/{replay_id}/pause", response_model=ReplayView, responses=ONE, summary="Pause a replay")
async def pause(dependencies: Dependencies, call: TheCall, replay_id: str) -> ReplayView:
    """The worker stops after the batch it is sending; what was sent stays sent."""
    return await _change(dependencies, call, replay_id, "pause")


@router.post("/{replay_id}/resume", response_model=ReplayView, responses=ONE, summary="Resume a replay")
async def resume(dependencies: Dependencies, call: TheCall, replay_id: str) -> ReplayView:
    """Carry on after the last event sent: nothing skipped, nothing sent twice."""
    return await _change(dependencies, call, replay_id, "resume")


@router.post("/{replay_id}/cancel", response_model=ReplayView, responses=ONE, summary="Cancel a replay")
async def cancel(dependencies: Dependencies, call: TheCall, replay_id: str) -> ReplayView:
    """Stop for good; a done replay cannot be cancelled."""
    return await _change(dependencies, call, replay_id, "cancel")
