"""The CSV export written by PostgreSQL: each row comes back as its finished CSV line, so an export of 10^5
requests costs the API process one string a row (building each row's cells in Python cost 20 µs a row, which
four DCOs exporting at once turned into 200 ms waits). ``service_layer.views.csv_line`` is the same line from
an ``ExportRow``; the SQL tests hold the two to the same text."""

from __future__ import annotations

from datetime import date
from typing import Any

from pathfinder.health_advice.adapters.tables import advice_request, provider_team
from pathfinder.health_advice.domain.clock import ADVICE_DAYS, DUE_SOON_DAYS, Rag
from sqlalchemy import Boolean, ColumnElement, Date, Integer, Select, String, case, cast, func, literal, select

_r, _t = advice_request.c, provider_team.c
_FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def export_lines(due: ColumnElement[date], today: date) -> Select[tuple[str]]:
    """One column, ``line``: the request's CSV line in ``views.CSV_HEADER``'s order, without its terminator."""
    is_open, submitted = _r.is_open, _r.submitted_on
    rag = case(
        (due < today, Rag.RED.value),
        (_r.stopped_since.isnot(None) | (due - literal(today, Date) <= DUE_SOON_DAYS), Rag.AMBER.value),
        else_=Rag.GREEN.value,
    )
    cells = [
        _text(_r.advice_request_id), _text(_r.assessment_id), _free(_r.requesting_la), _free(_r.icb),
        _free(_r.team_id), _free(_t.name), _free(_t.kind), _text(_r.status), _day(_r.received_on), _day(due),
        _number(case((is_open, due - literal(today, Date)))), case((is_open, rag), else_=""),
        _yes_no(_r.stopped_since.isnot(None)), _number(due - _r.received_on - ADVICE_DAYS),
        _day(_r.accepted_on), _day(submitted), _yes_no(_r.on_time),
        _number(case((submitted.isnot(None), func.greatest(0, submitted - due)), else_=0)),
        _number(submitted - _r.received_on),
    ]  # fmt: skip
    return select(func.concat_ws(",", *cells).label("line"))


def _text(column: ColumnElement[Any]) -> ColumnElement[str]:
    return cast(column, String)


def _day(column: ColumnElement[Any]) -> ColumnElement[str]:
    return func.coalesce(func.to_char(column, "YYYY-MM-DD"), "")


def _number(column: ColumnElement[Any]) -> ColumnElement[str]:
    return func.coalesce(cast(cast(column, Integer), String), "")


def _yes_no(column: ColumnElement[bool]) -> ColumnElement[str]:
    return case((cast(column, Boolean), "yes"), (~cast(column, Boolean), "no"), else_="")


def _free(column: ColumnElement[str]) -> ColumnElement[str]:
    """Free text as ``views.spreadsheet_safe`` then the csv module's minimal quoting would write it."""
    value = func.coalesce(column, "")
    first = func.left(value, 1)
    formula = first.in_(_FORMULA_STARTS) | ((first == "-") & ~value.regexp_match("^-[0-9]+$"))
    safe = case((formula, literal("'") + value), else_=value)
    quoted = literal('"') + func.replace(safe, '"', '""') + literal('"')
    return case((safe.regexp_match('[",\r\n]'), quoted), else_=safe)
