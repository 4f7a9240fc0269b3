"""What the ``pathfinder`` command prints: rich tables for people, JSON lines for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

EVENT_COLUMNS = ("position", "occurred_at", "type", "la_code", "person_id", "correlation_id", "topic", "event_id")


def events_table(events: Sequence[Mapping[str, Any]], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False)
    for column in EVENT_COLUMNS:
        table.add_column(column.replace("_", " "), overflow="fold")
    for event in events:
        table.add_row(*(_text(event.get(column)) for column in EVENT_COLUMNS))
    return table


def rows_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], title: str | None = None) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(_text(row.get(column)) for column in columns))
    return table


def pairs_table(pairs: Mapping[str, Any], title: str | None = None) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in pairs.items():
        table.add_row(name.replace("_", " "), _text(value))
    return table


def print_json(console: Console, value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)
