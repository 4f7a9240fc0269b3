"""Children as agencies describe them: valid identifiers never issued to anyone, and incoming records."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from itertools import count

from pathfinder.contracts.fhir.nhs_number import nhs_number_check_digit
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.demographics import Demographics, Sex
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier, upn_check_letter
from pathfinder.identity.persons.domain.review import IncomingRecord

_serials = count(1)


def nhs_number() -> str:
    """A new valid NHS number in the never-issued 999 range."""
    while True:
        first_nine = f"999{next(_serials) % 1_000_000:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def upn(la_code: str = "841") -> str:
    """A new valid permanent UPN issued in ``la_code``."""
    body = f"{la_code}2001{25}{next(_serials) % 1000:03d}"
    return upn_check_letter(body) + body


def uln() -> str:
    """A valid ULN (HESA's worked example)."""
    return "9276308686"


_MADE: dict[IdentifierKind, Callable[[], str]] = {
    IdentifierKind.NHS_NUMBER: nhs_number,
    IdentifierKind.UPN: upn,
    IdentifierKind.ULN: uln,
}


def identifier(kind: IdentifierKind, value: str | None = None, issuer: str | None = None) -> AgencyIdentifier:
    """``kind`` with ``value``, or with a new valid value of its own (not an LA case id: give its value)."""
    return AgencyIdentifier.parse(kind, value if value is not None else _MADE[kind](), issuer)


def incoming_record(
    responsible_la: str = "841",
    *,
    given: tuple[str, ...] = ("Amelia",),
    family: str | None = "Smith",
    born: date | None = date(2019, 4, 12),
    sex: Sex | None = Sex.FEMALE,
    postcode: str | None = "DL1 4AB",
    identifiers: Iterable[AgencyIdentifier] = (),
    source: str = "RR8",
    source_role: str = "nhs-trust",
    verified: bool = False,
    postcode_la: str | None = None,
) -> IncomingRecord:
    """What a match request from ``source`` says about a child of ``responsible_la`` (``postcode_la``: the LA of
    the postcode, as the sender's directory gave it)."""
    return IncomingRecord(
        demographics=Demographics(given, family, born, sex, postcode),
        identifiers=frozenset(identifiers),
        source_organisation=source,
        source_role=source_role,
        responsible_la=responsible_la,
        nhs_number_verified=verified,
        postcode_la=postcode_la,
    )
