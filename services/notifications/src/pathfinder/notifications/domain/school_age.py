"""Compulsory school age in England (Education Act 1996 s8; Education (Start of Compulsory School Age)
Order 1998, S.I. 1998/1607).

A child begins to be of compulsory school age on the prescribed day (31 December, 31 March or 31 August) that
follows their fifth birthday, or on the birthday itself when it falls on a prescribed day (s8(2)). Dates are
Europe/London calendar dates.
"""

from __future__ import annotations

from datetime import date

_PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))


def fifth_birthday(birth_date: date) -> date:
    """The day the child attains the age of five; a 29 February child attains it on 1 March."""
    try:
        return birth_date.replace(year=birth_date.year + 5)
    except ValueError:
        return date(birth_date.year + 5, 3, 1)


def compulsory_school_age_starts(birth_date: date) -> date:
    birthday = fifth_birthday(birth_date)
    for month, day in _PRESCRIBED_DAYS:
        prescribed = date(birthday.year, month, day)
        if prescribed >= birthday:
            return prescribed
    raise AssertionError("31 December follows every day of its year")


def is_under_compulsory_school_age(birth_date: date, on: date) -> bool:
    return on < compulsory_school_age_starts(birth_date)
