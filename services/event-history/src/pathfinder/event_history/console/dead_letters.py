"""``dead-letters``: what each consumer group could not apply, why, and sending chosen ones back to it after a
fix (each dead letter is redriven once; the consumer applies it once however often it arrives)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pathfinder.event_history.console.app import LaOption, SinceOption, TypeOption, UntilOption, app, connection, run
from pathfinder.event_history.console.render import pairs_table, print_json, rows_table

dead_letters = typer.Typer(help="Dead letters per consumer group: list, show, redrive.", no_args_is_help=True)
app.add_typer(dead_letters, name="dead-letters")
GroupOption = Annotated[str | None, typer.Option(help="consumer group, e.g. ehcp.early-years-intake")]
COLUMNS = ("position", "group", "failed_at", "type", "reason", "error", "la_code", "redriven_at")


def _filter(group: str | None, type_: list[str] | None, la: str | None, since: str | None, until: str | None
            ) -> dict[str, Any]:  # fmt: skip
    return {"group": group, "type": type_ or None, "la": la, "since": since, "until": until}


@dead_letters.command("list")
def list_dead_letters(
    ctx: typer.Context, group: GroupOption = None, type_: TypeOption = None, la: LaOption = None,
    since: SinceOption = None, until: UntilOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
) -> None:  # fmt: skip
    shown = connection(ctx)
    answer = run(
        lambda client: client.get("/dead-letters", **_filter(group, type_, la, since, until), limit=limit), ctx
    )
    if shown.json:
        print_json(shown.console, answer)
        return
    shown.console.print(rows_table(answer["dead_letters"], COLUMNS, title="dead letters"))


@dead_letters.command("show")
def show_dead_letter(ctx: typer.Context, position: int) -> None:
    shown = connection(ctx)
    answer = run(lambda client: client.get(f"/dead-letters/{position}"), ctx)
    if shown.json:
        print_json(shown.console, answer)
        return
    shown.console.print(pairs_table({k: v for k, v in answer.items() if k != "data"}, title="dead letter"))
    print_json(shown.console, answer.get("data"))


@dead_letters.command("redrive")
def redrive(
    ctx: typer.Context,
    positions: Annotated[list[int] | None, typer.Argument(help="the dead letters chosen (their positions)")] = None,
    all_matching: Annotated[bool, typer.Option("--all", help="every dead letter matching the filters")] = False,
    group: GroupOption = None, type_: TypeOption = None, la: LaOption = None, since: SinceOption = None,
    until: UntilOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="say what would be redriven, send nothing")] = False,
) -> None:  # fmt: skip
    """Send dead letters back to the consumer group that could not apply them (after the fix is deployed)."""
    shown = connection(ctx)
    if bool(positions) == all_matching:
        raise typer.BadParameter("Give the dead letters' positions, or --all with filters (not both).")
    body: dict[str, Any] = {"dry_run": dry_run}
    if positions:
        body["positions"] = positions
    else:
        body["filter"] = {k: v for k, v in _filter(group, type_, la, since, until).items() if v is not None}
    answer = run(lambda client: client.post("/dead-letters/redrive", body), ctx)
    if shown.json:
        print_json(shown.console, answer)
        return
    verb = "would redrive" if dry_run else "redriven"
    shown.console.print(rows_table(answer["redriven"], ("position", "group", "type", "event_id"), title=verb))
    if answer.get("skipped"):
        shown.console.print(rows_table(answer["skipped"], ("position", "why"), title="not redriven"))
