"""``find``, ``show``, ``tail`` and ``lag``: reading the archive and the consumer groups."""

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
from pathfinder.event_history.console.render import events_table, pairs_table, print_json, rows_table

PAGE = 500


@app.command()
def find(
    ctx: typer.Context, type_: TypeOption = None, la: LaOption = None, person: PersonOption = None,
    correlation_id: CorrelationOption = None, topic: TopicOption = None, since: SinceOption = None,
    until: UntilOption = None,
    limit: Annotated[int, typer.Option(help="at most this many events", min=1)] = 100,
) -> None:  # fmt: skip
    """Events by person, correlation id, type, LA, topic and time, in the order they were archived."""
    shown = connection(ctx)
    params = slice_params(type_, la, person, correlation_id, topic, since, until)

    async def call(client: EventHistoryClient) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        after: int | None = None
        while len(found) < limit:
            page = await client.get("/events", **params, after=after, limit=min(PAGE, limit - len(found)))
            found += page["events"]
            after = page.get("next")
            if after is None:
                break
        return found

    events = run(call, ctx)
    if shown.json:
        print_json(shown.console, events)
        return
    shown.console.print(events_table(events, title=f"{len(events)} event(s)"))


@app.command()
def show(
    ctx: typer.Context, event_id: str,
    topic: Annotated[str | None, typer.Option(help="when the id is on several topics")] = None,
) -> None:  # fmt: skip
    """One event: its headers, its data and its place in the child's history."""
    shown = connection(ctx)
    event = run(lambda client: client.get(f"/events/{event_id}", topic=topic), ctx)
    if shown.json:
        print_json(shown.console, event)
        return
    summary = {k: v for k, v in event.items() if k not in ("headers", "data", "history")}
    shown.console.print(pairs_table(summary, title=f"event {event_id}"))
    shown.console.print(pairs_table(event.get("headers") or {}, title="headers"))
    print_json(shown.console, event.get("data"))
    history = event.get("history")
    if history:
        title = f"person {history['person_id']}: event {history['index']} of {history['of']}"
        around = [
            *history.get("before", []),
            {**summary, "type": f"▶ {summary.get('type')}"},
            *history.get("after", []),
        ]
        shown.console.print(events_table(around, title=title))


@app.command()
def tail(
    ctx: typer.Context, type_: TypeOption = None, la: LaOption = None, person: PersonOption = None,
    correlation_id: CorrelationOption = None, topic: TopicOption = None,
    interval: Annotated[float, typer.Option(help="seconds between looks", min=0.1)] = 1.0,
    count: Annotated[int | None, typer.Option(help="stop after this many events")] = None,
) -> None:  # fmt: skip
    """Events as they are archived, from now on, with the filters given (Ctrl-C to stop)."""
    shown = connection(ctx)
    params = slice_params(type_, la, person, correlation_id, topic, None, None)

    async def call(client: EventHistoryClient) -> None:
        after = (await client.get("/archive/end"))["position"]
        seen = 0
        while count is None or seen < count:
            page = await client.get("/events", **params, after=after, limit=PAGE)
            for event in page["events"][: None if count is None else count - seen]:
                seen += 1
                if shown.json:
                    print_json(shown.console, event)
                else:
                    shown.console.print(
                        f"{event['occurred_at']}  {event['type']}  LA {event.get('la_code') or '-'}  "
                        f"person {event.get('person_id') or '-'}  {event['topic']}[{event['partition']}]"
                        f"@{event['offset']}  {event['event_id']}"
                    )
            after = page["events"][-1]["position"] if page["events"] else after
            if not page["events"]:
                await asyncio.sleep(interval)

    try:
        run(call, ctx)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def lag(
    ctx: typer.Context,
    group: Annotated[str | None, typer.Option(help="one consumer group (default: every platform group)")] = None,
    topic: Annotated[str | None, typer.Option(help="with a group of your own (an LA's): the topic it reads")] = None,
) -> None:
    """Per consumer group and partition: committed offset, end of the partition, and the lag between them."""
    shown = connection(ctx)
    answer = run(lambda client: client.get("/lag", group=group, topic=topic), ctx)
    if shown.json:
        print_json(shown.console, answer)
        return
    columns = ("group", "topic", "partition", "committed", "end", "lag")
    shown.console.print(rows_table(answer["partitions"], columns, title="consumer lag"))
