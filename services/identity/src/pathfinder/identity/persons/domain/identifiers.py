"""The identifiers each agency gives a child, validated before anything is linked to them.

- NHS number: 10 digits, Modulus 11 check digit (NHS Data Dictionary).
- UPN, unique pupil number (DfE): a check letter then 12 characters: LA number (3 digits), establishment
  number (4), the last two digits of the year of allocation, and a 3-digit serial; a temporary UPN ends in a
  letter instead of the last serial digit. The check letter is the sum of each of characters 2 to 13 times its
  position (2 to 13), modulo 23, written with the 23 letters A to Z less I, O and S; a final letter counts as
  its place in that same list.
- ULN, unique learner number (Learning Records Service): 10 digits, the first not zero; the digits times
  10, 9, ... 1, summed, leave remainder 10 when divided by 11.
- LA case id: whatever reference the LA's case system gives, meaningful only with the LA that issued it.

A rejection never repeats the value: identifiers are personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from pathfinder.contracts.fhir.nhs_number import normalise_nhs_number
from pathfinder.contracts.identity import IdentifierKind

UPN_LETTERS: Final = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN: Final = re.compile(r"[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]")
_ULN: Final = re.compile(r"[1-9][0-9]{9}")
_LA_CODE: Final = re.compile(r"[0-9]{3}")
_CASE_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9/_.:-]{0,63}")
_SPACES: Final = re.compile(r"[\s-]+")


class InvalidIdentifier(ValueError):
    """The identifier is malformed or fails its check; the message names the kind, never the value."""

    def __init__(self, kind: IdentifierKind, reason: str) -> None:
        super().__init__(f"{kind.value}: {reason}")
        self.kind = kind


def upn_check_letter(last_twelve: str) -> str:
    """The check letter for characters 2 to 13 of a UPN."""
    total = 0
    for position, character in enumerate(last_twelve, start=2):
        value = int(character) if character.isdigit() else UPN_LETTERS.index(character)
        total += value * position
    return UPN_LETTERS[total % 23]


def normalise_upn(value: str) -> str:
    upn = _SPACES.sub("", value).upper()
    if _UPN.fullmatch(upn) is None:
        raise InvalidIdentifier(IdentifierKind.UPN, "a UPN is a check letter and 12 characters")
    if upn_check_letter(upn[1:]) != upn[0]:
        raise InvalidIdentifier(IdentifierKind.UPN, "the check letter does not fit")
    return upn


def normalise_uln(value: str) -> str:
    uln = _SPACES.sub("", value)
    if _ULN.fullmatch(uln) is None:
        raise InvalidIdentifier(IdentifierKind.ULN, "a ULN is 10 digits, the first not zero")
    if sum(int(digit) * weight for digit, weight in zip(uln, range(10, 0, -1), strict=True)) % 11 != 10:
        raise InvalidIdentifier(IdentifierKind.ULN, "the check digit does not fit")
    return uln


@dataclass(frozen=True)
class AgencyIdentifier:
    """A validated identifier in its normal form. ``issuer`` is the LA code of an LA case id, else None."""

    kind: IdentifierKind
    value: str
    issuer: str | None = None

    def __repr__(self) -> str:
        return f"AgencyIdentifier({self.kind.value}, issuer={self.issuer!r}, <value withheld>)"

    @classmethod
    def parse(cls, kind: IdentifierKind, value: str, issuer: str | None = None) -> AgencyIdentifier:
        if kind is IdentifierKind.LA_CASE_ID:
            if issuer is None or _LA_CODE.fullmatch(issuer) is None:
                raise InvalidIdentifier(kind, "an LA case id needs the 3-digit code of the LA that issued it")
            if _CASE_ID.fullmatch(value.strip()) is None:
                raise InvalidIdentifier(kind, "use letters, digits and / _ . : - only, at most 64")
            return cls(kind, value.strip(), issuer)
        if issuer is not None:
            raise InvalidIdentifier(kind, "only an LA case id has an issuer")
        if kind is IdentifierKind.NHS_NUMBER:
            try:
                return cls(kind, normalise_nhs_number(value))
            except ValueError as invalid:
                raise InvalidIdentifier(kind, str(invalid)) from None
        if kind is IdentifierKind.UPN:
            return cls(kind, normalise_upn(value))
        return cls(kind, normalise_uln(value))

    @property
    def index_text(self) -> str:
        """What the blind index of this identifier is computed over: kind, issuer and value together, so one
        value under two kinds (or two LAs) never collides."""
        return f"{self.kind.value}|{self.issuer or ''}|{self.value}"
