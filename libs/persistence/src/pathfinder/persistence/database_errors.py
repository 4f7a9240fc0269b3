"""Database errors without the data of the statement that failed.

``hide_parameters`` keeps SQLAlchemy from quoting bound values, but two other parts of an error repeat them:
PostgreSQL's DETAIL (``Key (nhs_number)=(9434765919) already exists``, ``Failing row contains (...)``), which
asyncpg adds to its exception's text, and asyncpg's own complaint about a value it cannot encode
(``invalid input for query argument $2: 'Amelia' (...)``). Both would reach logs and traces through the
exception's text and its chain. The error keeps its class, SQLSTATE and constraint name, which is what code
decides on.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

_ARGUMENT_VALUE = re.compile(r"(invalid input for query argument \$\d+[^:\n]*): [^\n]*")
_SERVER_DETAIL = re.compile(r"\n(?:DETAIL|HINT):  [^\n]*")


def without_values(text: str) -> str:
    return _ARGUMENT_VALUE.sub(r"\1 (its value withheld)", _SERVER_DETAIL.sub("", text))


def keep_personal_data_out_of_errors(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine, "handle_error", _withhold_values)


def _withhold_values(context: ExceptionContext) -> None:
    for error in (context.sqlalchemy_exception, context.original_exception):
        if error is not None:
            error.args = tuple(without_values(arg) if isinstance(arg, str) else arg for arg in error.args)
    # The driver's own exception (asyncpg's, whose text adds the server's DETAIL) stays in the adapted error's
    # arguments for code that inspects it, but is no longer printed as the cause in a traceback.
    original: Any = context.original_exception
    original.__suppress_context__ = True
    original.__cause__ = None
