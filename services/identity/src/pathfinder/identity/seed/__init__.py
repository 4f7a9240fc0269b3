"""The organisations Pathfinder starts with, and the loader for more in the same CSV shape:
``code,role,name`` with role one of local-authority, icb, nhs-trust, platform."""

from __future__ import annotations

import csv
import io
from importlib import resources

from pathfinder.identity.access.domain.organisations import InvalidOrganisation, Organisation

COLUMNS = ("code", "role", "name")


def parse_organisations(text: str) -> list[Organisation]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or tuple(name.strip() for name in reader.fieldnames) != COLUMNS:
        raise InvalidOrganisation(f"the CSV header must be {','.join(COLUMNS)}")
    organisations: list[Organisation] = []
    for line, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values()):
            continue
        try:
            organisations.append(
                Organisation.register(row["code"] or "", row["name"] or "", (row["role"] or "").strip())
            )
        except InvalidOrganisation as problem:
            raise InvalidOrganisation(f"line {line}: {problem}") from None
    return organisations


def seed_organisations() -> list[Organisation]:
    return parse_organisations(resources.files(__package__).joinpath("organisations.csv").read_text(encoding="utf-8"))
