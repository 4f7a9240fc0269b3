"""A database error never repeats the personal data of the statement that failed: not in its text, not in the
traceback a service logs, whichever part of it (bound parameters, PostgreSQL's DETAIL, asyncpg's complaint about
a value) would have carried it."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from pathfinder.persistence.database import create_engine
from pathfinder.telemetry.log_format import PathfinderJsonFormatter, PathfinderTextFormatter
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

NAME = "Amelia Smith-Jones"
NHS_NUMBER = "9434765919"
CHILD = (
    "CREATE TABLE child (name varchar(40) PRIMARY KEY, nhs_number varchar(10) NOT NULL, born date, short varchar(3))"
)
INSERT = "INSERT INTO child (name, nhs_number, born, short) VALUES (:name, :nhs_number, :born, :short)"


@pytest.fixture
async def engine(fresh_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(await fresh_database("database_errors"), pool_size=1)
    async with engine.begin() as connection:
        await connection.execute(text(CHILD))
        await connection.execute(text(INSERT), {"name": NAME, "nhs_number": NHS_NUMBER, "born": None, "short": None})
    yield engine
    await engine.dispose()


def _row(**changes: Any) -> dict[str, Any]:
    return {"name": NAME, "nhs_number": NHS_NUMBER, "born": None, "short": None, **changes}


FAILURES = {
    "unique violation (DETAIL: Key (name)=(...))": _row(),
    "not-null violation (DETAIL: Failing row contains (...))": _row(name="Amelia Brown", nhs_number=None),
    "value too long (bound parameters)": _row(name="Zed", short=NAME),
    "value the driver cannot encode (its complaint quotes the value)": _row(name="Zed", born=NAME),
}


def _logged(error: BaseException) -> list[str]:
    """What a service's log would hold: the record as both formatters write it, and the traceback module's."""
    try:
        raise RuntimeError("storing the notification failed") from error
    except RuntimeError:
        record = logging.getLogger("pathfinder.test").makeRecord(
            "pathfinder.test", logging.ERROR, __file__, 1, "failed: %s", (error,), exc_info=sys.exc_info()
        )
    formatted = [PathfinderJsonFormatter().format(record), PathfinderTextFormatter().format(record)]
    return [*formatted, record.getMessage(), "".join(traceback.format_exception(error))]


@pytest.mark.parametrize("values", FAILURES.values(), ids=FAILURES.keys())
async def test_a_failing_statement_leaves_its_values_out_of_the_error_and_the_log(
    engine: AsyncEngine, values: dict[str, Any]
) -> None:
    with pytest.raises(DBAPIError) as raised:
        async with engine.begin() as connection:
            await connection.execute(text(INSERT), values)
    for written in [str(raised.value), *_logged(raised.value)]:
        assert "Amelia" not in written and "Smith" not in written
        assert NHS_NUMBER not in written and "943 476 5919" not in written
    assert "INSERT INTO child" in str(raised.value), "the statement itself is still told"


async def test_the_error_still_says_what_went_wrong(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError) as raised:
        async with engine.begin() as connection:
            await connection.execute(text(INSERT), _row())
    assert "child_pkey" in str(raised.value)
    assert raised.value.orig is not None and getattr(raised.value.orig, "sqlstate", None) == "23505"
