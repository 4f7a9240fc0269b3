"""What a principal may read, as a WHERE clause over the advice_request table."""

from __future__ import annotations

from pathfinder.health_advice.adapters.tables import advice_request
from pathfinder.health_advice.domain.access import Visibility
from sqlalchemy import ColumnElement, false, or_, true

_r = advice_request.c


def visible(seen: Visibility) -> ColumnElement[bool]:
    """The requests ``seen`` may read at all (the requesting LA's status lines included)."""
    if seen.everything:
        return true()
    terms = _terms(seen)
    return or_(*terms) if terms else false()


def visible_apart(seen: Visibility) -> list[ColumnElement[bool]]:
    """The same requests as ``visible``, as terms no two of which hold for one request: the rows of each, read
    from its own column's index and put together with UNION ALL, are each request once. (PostgreSQL reads an OR
    of columns through the table, never from the indexes alone.)"""
    if seen.everything:
        return [true()]
    terms = _terms(seen)
    if not terms:
        return [false()]
    return [term & or_(*terms[:index]).is_not(true()) if index else term for index, term in enumerate(terms)]


def _terms(seen: Visibility) -> list[ColumnElement[bool]]:
    return [
        column.in_(sorted(values))
        for column, values in (
            (_r.icb, seen.icbs),
            (_r.provider_organisation, seen.provider_organisations),
            (_r.team_id, seen.teams),
            (_r.requesting_la, seen.requesting_las),
        )
        if values
    ]
