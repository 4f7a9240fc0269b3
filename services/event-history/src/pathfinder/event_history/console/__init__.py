"""The ``pathfinder`` command: see :mod:`pathfinder.event_history.console.app`."""

from __future__ import annotations

from pathfinder.event_history.console import dead_letters, events, replays
from pathfinder.event_history.console.app import app

__all__ = ["app", "dead_letters", "events", "main", "replays"]


def main() -> None:
    app(prog_name="pathfinder")
