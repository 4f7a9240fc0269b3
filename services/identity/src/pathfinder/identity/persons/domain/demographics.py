"""Who a child is, as one agency recorded them, and the normal forms matching compares.

Agencies write the same child differently: accents dropped or kept, "O'Brien" and "OBrien", "Smith-Jones" and
"Smith Jones", "ls83dr" and "LS8 3DR". Matching works on normal forms so that these differences cost nothing,
while the agency's own spelling is what the index keeps and shows back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from pathfinder.contracts.fhir.early_years_demographics import normalise_postcode


class Sex(StrEnum):
    """Administrative sex as FHIR codes it; "other" and "unknown" carry no evidence for matching."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Demographics:
    """Names, date of birth, sex and home address of a child as one agency supplied them."""

    given_names: tuple[str, ...] = ()
    family_name: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    postcode: str | None = None
    address_lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.postcode is not None:
            object.__setattr__(self, "postcode", normalise_postcode(self.postcode))

    def __repr__(self) -> str:
        return "Demographics(<personal details withheld>)"

    def as_dict(self) -> dict[str, object]:
        return {
            "given_names": list(self.given_names),
            "family_name": self.family_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex.value if self.sex else None,
            "postcode": self.postcode,
            "address_lines": list(self.address_lines),
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Demographics:
        birth_date = data.get("birth_date")
        sex = data.get("sex")
        family_name = data.get("family_name")
        postcode = data.get("postcode")
        return cls(
            given_names=tuple(str(name) for name in _list(data.get("given_names"))),
            family_name=str(family_name) if family_name is not None else None,
            birth_date=date.fromisoformat(str(birth_date)) if birth_date else None,
            sex=Sex(str(sex)) if sex else None,
            postcode=str(postcode) if postcode else None,
            address_lines=tuple(str(line) for line in _list(data.get("address_lines"))),
        )


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


_APOSTROPHES: Final = re.compile(r"['\u2019\u2018`]")
_SEPARATORS: Final = re.compile(r"[^A-Z]+")
# Kept out of names before comparing: they say nothing about who the child is.
_NOT_NAMES: Final = frozenset({"BABY", "INFANT", "UNKNOWN", "UNNAMED", "TWIN", "MR", "MRS", "MISS", "MS", "MASTER"})


def name_tokens(text: str | None) -> tuple[str, ...]:
    """The words of a name in upper-case ASCII: accents folded, apostrophes closed up ("O'Brien" -> "OBRIEN"),
    hyphens and spaces alike separating words ("Smith-Jones" -> "SMITH", "JONES")."""
    if not text:
        return ()
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    closed = _APOSTROPHES.sub("", folded)
    return tuple(word for word in _SEPARATORS.split(closed) if word and word not in _NOT_NAMES)


def given_name_tokens(given_names: tuple[str, ...]) -> tuple[str, ...]:
    """Every forename word in order: the first is the one a child is usually known by."""
    return tuple(token for name in given_names for token in name_tokens(name))


@dataclass(frozen=True)
class PostcodeParts:
    """A UK postcode cut at its levels: "LS8 3DR" is in sector "LS8 3", district "LS8" and area "LS"."""

    full: str
    sector: str
    district: str
    area: str

    @classmethod
    def of(cls, postcode: str) -> PostcodeParts:
        full = normalise_postcode(postcode)
        district, inward = full.split(" ")
        area = re.match(r"[A-Z]+", district)
        return cls(full=full, sector=f"{district} {inward[0]}", district=district, area=area[0] if area else district)
