"""A handler registered for an event it does not take is a type error (``Subscription.on`` ties the two)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_REGISTRATION = """
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.identity import PersonLinked
from pathfinder.messaging.sql_unit_of_work import SqlUnitOfWork
from pathfinder.messaging.subscription import EventContext, Subscription


async def on_person_linked(event: PersonLinked, uow: SqlUnitOfWork, context: EventContext) -> None:
    return None


Subscription[SqlUnitOfWork]("intake").on({event_class}, on_person_linked)
"""


def _type_errors(tmp_path: Path, event_class: str) -> str:
    module = tmp_path / "registration.py"
    module.write_text(_REGISTRATION.format(event_class=event_class))
    # A child interpreter in an empty folder: nothing of the test session's imports or path reaches mypy.
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", "cache", module.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return checked.stdout


def test_mypy_refuses_a_handler_registered_for_another_event(tmp_path: Path) -> None:
    report = _type_errors(tmp_path, "EarlyYearsNotificationReceived")
    assert 'Argument 2 to "on" of "Subscription"' in report, report


def test_mypy_accepts_a_handler_registered_for_its_own_event(tmp_path: Path) -> None:
    assert _type_errors(tmp_path, "PersonLinked").startswith("Success"), "the check must be able to pass"
