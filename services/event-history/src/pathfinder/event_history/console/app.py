"""``pathfinder``: the platform's event history for integration engineers, from a terminal.

    export PATHFINDER_CLIENT_ID=... PATHFINDER_KEY_FILE=engineer.pem PATHFINDER_REASON="INC-4411: 841 missed a day"
    pathfinder find --la 841 --since 2026-12-06T00:00Z --until 2026-12-07T00:00Z
    pathfinder show EVENT_ID
    pathfinder tail --type pathfinder.notifications.early-years-health-notification-accepted.v1
    pathfinder replay --la 841 --since ... --until ... --to-subscription SUBSCRIPTION_ID --rate 200
    pathfinder dead-letters list --group ehcp.early-years-intake
    pathfinder dead-letters redrive POSITION ...
    pathfinder lag

Every command goes through the event-history service's API, which checks the token's scope (events:engineer,
or events:replay for an LA's own events) and audits who did what to which slice, and why (--reason).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import httpx
import typer
from pathfinder.event_history.console.client import (
    DEFAULT_URL,
    Credentials,
    EventHistoryClient,
    Refused,
)
from rich.console import Console

T = TypeVar("T")

app = typer.Typer(name="pathfinder", help=__doc__, no_args_is_help=True, pretty_exceptions_enable=False)
err = Console(stderr=True)


@dataclass(frozen=True)
class Connection:
    url: str
    reason: str
    json: bool
    console: Console
    transport: httpx.AsyncBaseTransport | None = None

    def client(self) -> EventHistoryClient:
        return EventHistoryClient(self.url, Credentials.from_environment(), self.reason, transport=self.transport)


@app.callback()
def connect(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option(envvar="PATHFINDER_EVENT_HISTORY_URL", help="the event-history API")
    ] = DEFAULT_URL,
    reason: Annotated[
        str, typer.Option(envvar="PATHFINDER_REASON", help="why you are doing this (audited with every call)")
    ] = "",
    as_json: Annotated[bool, typer.Option("--json", help="JSON for scripts instead of tables")] = False,
) -> None:
    # A caller embedding the command may hand it a transport as click's ``obj`` (the API served in-process).
    transport = ctx.obj if isinstance(ctx.obj, httpx.AsyncBaseTransport) else None
    ctx.obj = Connection(url, reason, as_json, Console(soft_wrap=as_json), transport)


def connection(ctx: typer.Context) -> Connection:
    found = ctx.find_object(Connection)
    assert found is not None, "the callback always sets it"
    return found


def run(call: Callable[[EventHistoryClient], Awaitable[T]], ctx: typer.Context) -> T:
    """Run one command's calls with a client; a refusal ends the command with its message and exit code 2."""

    async def with_client() -> T:
        async with connection(ctx).client() as client:
            return await call(client)

    try:
        return asyncio.run(with_client())
    except Refused as refused:
        err.print(f"[bold red]refused[/]: {refused}")
        raise typer.Exit(2) from None


def slice_params(
    type_: list[str] | None, la: str | None, person: str | None, correlation_id: str | None, topic: str | None,
    since: str | None, until: str | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "type": type_ or None, "la": la, "person": person, "correlation_id": correlation_id, "topic": topic,
        "since": since, "until": until,
    }  # fmt: skip


TypeOption = Annotated[list[str] | None, typer.Option("--type", help="event type (repeat for several)")]
LaOption = Annotated[str | None, typer.Option(help="responsible LA, three-digit DfE code")]
PersonOption = Annotated[str | None, typer.Option(help="the child's pseudonymous person id")]
CorrelationOption = Annotated[str | None, typer.Option("--correlation-id", help="correlation id")]
TopicOption = Annotated[str | None, typer.Option(help="platform topic")]
SinceOption = Annotated[str | None, typer.Option(help="from this time (ISO 8601, e.g. 2026-12-06T00:00Z)")]
UntilOption = Annotated[str | None, typer.Option(help="before this time (ISO 8601)")]
