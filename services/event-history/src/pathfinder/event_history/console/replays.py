"""``replay`` and ``replays``: a slice of the archive sent again, to a topic, a consumer group or one LA
subscription; always counted first (the dry run), then followed with a progress bar."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from pathfinder.event_history.console.app import (
    CorrelationOption,
    LaOption,
    PersonOption,
    SinceOption,
    TopicOption,
    TypeOption,
    UntilOption,
    app,
    connection,
    run,
    slice_params,
)
from pathfinder.event_history.console.client import EventHistoryClient
from pathfinder.event_history.console.render import pairs_table, print_json, rows_table
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

replays = typer.Typer(
    help="Replays already asked for: list, show, follow, pause, resume, cancel.", no_args_is_help=True
)
app.add_typer(replays, name="replays")
FINISHED = ("done", "cancelled")
POLL_SECONDS = 0.5


def _target(to_topic: str | None, to_group: str | None, to_subscription: str | None) -> dict[str, Any]:
    chosen = [name for name, value in (("topic", to_topic), ("group", to_group), ("subscription", to_subscription))
              if value is not None]  # fmt: skip
    if len(chosen) != 1:
        raise typer.BadParameter("Choose one target: --to-topic, --to-group or --to-subscription.")
    if to_topic is not None:
        return {"kind": "topic", "topic": None if to_topic == "same" else to_topic}
    if to_group is not None:
        return {"kind": "consumer-group", "group": to_group}
    return {"kind": "subscription", "subscription_id": to_subscription}


@app.command()
def replay(
    ctx: typer.Context, type_: TypeOption = None, la: LaOption = None, person: PersonOption = None,
    correlation_id: CorrelationOption = None, topic: TopicOption = None, since: SinceOption = None,
    until: UntilOption = None,
    to_topic: Annotated[str | None, typer.Option(help="a topic, or 'same' for each event's own topic")] = None,
    to_group: Annotated[str | None, typer.Option(help="rewind this consumer group to --since")] = None,
    to_subscription: Annotated[str | None, typer.Option(help="one LA subscription's id (any channel)")] = None,
    rate: Annotated[int, typer.Option(help="events per second at most", min=1)] = 500,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count what would be sent, send nothing")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask before sending")] = False,
    follow: Annotated[bool, typer.Option(help="show progress until it is done")] = True,
) -> None:  # fmt: skip
    """Send a slice of the archive again. The dry run comes first; nothing is sent without --yes or a yes."""
    shown = connection(ctx)
    body = {
        "slice": {k: v for k, v in slice_params(type_, la, person, correlation_id, topic, since, until).items()
                  if v is not None},
        "target": _target(to_topic, to_group, to_subscription),
        "rate": rate,
    }  # fmt: skip
    plan = run(lambda client: client.post("/replays/dry-run", body), ctx)
    if shown.json and (dry_run or plan["events"] == 0):
        print_json(shown.console, plan)
        return
    if not shown.json:
        show_plan(shown.console, plan)
    if dry_run or plan["events"] == 0:
        return
    if not yes and not typer.confirm(f"Send {plan['events']:,} event(s)?", err=True):
        raise typer.Exit(1)
    started = run(lambda client: client.post("/replays", body), ctx)
    if follow and started["status"] not in FINISHED:
        follow_replay(ctx, started["replay_id"])
    elif shown.json:
        print_json(shown.console, started)
    else:
        shown.console.print(f"replay {started['replay_id']}: {started['status']}")


def show_plan(console: Console, plan: dict[str, Any]) -> None:
    console.print(pairs_table({k: v for k, v in plan.items() if not isinstance(v, (list, dict))}, title="dry run"))
    if plan.get("partitions"):
        console.print(rows_table(plan["partitions"], ("topic", "partition", "events", "offset"), title="partitions"))
    for name in ("by_type", "by_la"):
        if plan.get(name):
            rows = [{"key": key, "events": count} for key, count in plan[name].items()]
            console.print(rows_table(rows, ("key", "events"), title=name.replace("_", " ")))


def follow_replay(ctx: typer.Context, replay_id: str) -> None:
    """A progress bar with the rate and the time left; Ctrl-C pauses the replay (resume it later)."""
    shown = connection(ctx)

    async def call(client: EventHistoryClient) -> dict[str, Any]:
        state: dict[str, Any] = await client.get(f"/replays/{replay_id}")
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} ev/s"), TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, console=shown.console, transient=False, disable=shown.json) as progress:
            task = progress.add_task(f"replay {replay_id[:8]}", total=state["total"], completed=state["sent"], rate="-")
            while state["status"] not in FINISHED and state["status"] != "paused":
                await asyncio.sleep(POLL_SECONDS)
                state = await client.get(f"/replays/{replay_id}")
                progress.update(task, completed=state["sent"], rate=f"{state.get('events_per_second') or 0:,.0f}")
        return state

    try:
        state = run(call, ctx)
    except KeyboardInterrupt:  # asyncio.run cancels the polling, then raises it here: pause on a fresh loop
        state = run(lambda client: client.post(f"/replays/{replay_id}/pause"), ctx)
    if shown.json:
        print_json(shown.console, state)
        return
    shown.console.print(f"replay {replay_id}: {state['status']}, {state['sent']:,} of {state['total']:,} sent")
    if state["status"] == "paused":
        shown.console.print(f"resume with: pathfinder replays resume {replay_id}")


@replays.command("list")
def list_replays(ctx: typer.Context) -> None:
    """The latest replays first: your organisation's (an engineer: everyone's)."""
    shown = connection(ctx)
    answer = run(lambda client: client.get("/replays"), ctx)
    if shown.json:
        print_json(shown.console, answer)
        return
    columns = ("replay_id", "status", "target", "sent", "total", "requested_by", "reason", "started_at")
    shown.console.print(rows_table(answer["replays"], columns, title="replays"))


@replays.command("show")
def show_replay(ctx: typer.Context, replay_id: str) -> None:
    """One replay: its slice, target, progress and who asked for it, why."""
    shown = connection(ctx)
    answer = run(lambda client: client.get(f"/replays/{replay_id}"), ctx)
    print_json(shown.console, answer) if shown.json else shown.console.print(pairs_table(answer, title="replay"))


@replays.command("follow")
def follow(ctx: typer.Context, replay_id: str) -> None:
    """Its progress bar until it is done (Ctrl-C pauses it)."""
    follow_replay(ctx, replay_id)


def _step(ctx: typer.Context, replay_id: str, step: str, then_follow: bool) -> None:
    shown = connection(ctx)
    state = run(lambda client: client.post(f"/replays/{replay_id}/{step}"), ctx)
    shown.console.print(f"replay {replay_id}: {state['status']}, {state['sent']:,} of {state['total']:,} sent")
    if then_follow and state["status"] not in FINISHED:
        follow_replay(ctx, replay_id)


@replays.command("pause")
def pause(ctx: typer.Context, replay_id: str) -> None:
    """Stop after the batch being sent; resume it later."""
    _step(ctx, replay_id, "pause", False)


@replays.command("resume")
def resume(
    ctx: typer.Context, replay_id: str, follow: Annotated[bool, typer.Option(help="show progress")] = True
) -> None:
    """Carry on from the last event sent: nothing skipped, nothing sent twice."""
    _step(ctx, replay_id, "resume", follow)


@replays.command("cancel")
def cancel(ctx: typer.Context, replay_id: str) -> None:
    """Stop for good."""
    _step(ctx, replay_id, "cancel", False)
