"""A record in the normal form matching compares, and the blocking keys that find its candidates.

Blocking keeps matching from comparing every record with every other: a candidate is any person sharing at
least one key with the incoming record. Each key tolerates a different kind of error, so a true match is lost
only when every key breaks at once:

- ``dob-surname``: date of birth and a phonetic code of one surname word (survives forename errors, moves,
  and one half of a double-barrelled surname being dropped);
- ``dob-forename``: date of birth and a phonetic code of one forename word (survives surname changes);
- ``dob-district``: date of birth and postcode district (survives misspelt or changed names);
- ``names-district``: surname code, forename code and postcode district (survives any error in the date of
  birth);
- ``identifier``: an agency identifier (survives anything but a wrong identifier).

Dates in keys have their day and month sorted, so a record with the two swapped still meets its match. The
keys are plain text here; the index stores only keyed hashes of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import product

import jellyfish
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.demographics import (
    Demographics,
    PostcodeParts,
    Sex,
    given_name_tokens,
    name_tokens,
)
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier


def phonetic(token: str) -> str:
    """A sound-alike code of one name word (Metaphone): "PHILLIPS" and "FILIPS" share one."""
    return jellyfish.metaphone(token) or token


@dataclass(frozen=True)
class MatchProfile:
    forenames: tuple[str, ...]
    forename_codes: frozenset[str]
    surnames: tuple[str, ...]
    surname_codes: frozenset[str]
    surname_joined: str
    birth_date: date | None
    sex: Sex | None
    postcode: PostcodeParts | None
    identifiers: frozenset[AgencyIdentifier]

    def __repr__(self) -> str:
        return "MatchProfile(<personal details withheld>)"

    @classmethod
    def of(cls, demographics: Demographics, identifiers: frozenset[AgencyIdentifier] = frozenset()) -> MatchProfile:
        forenames = given_name_tokens(demographics.given_names)
        surnames = name_tokens(demographics.family_name)
        sex = demographics.sex if demographics.sex in (Sex.MALE, Sex.FEMALE) else None
        return cls(
            forenames=forenames,
            forename_codes=frozenset(phonetic(token) for token in forenames if len(token) > 1),
            surnames=surnames,
            surname_codes=frozenset(phonetic(token) for token in surnames if len(token) > 1),
            surname_joined="".join(surnames),
            birth_date=demographics.birth_date,
            sex=sex,
            postcode=PostcodeParts.of(demographics.postcode) if demographics.postcode else None,
            identifiers=identifiers,
        )

    def identifier_values(self, kind: IdentifierKind, issuer: str | None = None) -> frozenset[str]:
        return frozenset(
            identifier.value
            for identifier in self.identifiers
            if identifier.kind is kind and (issuer is None or identifier.issuer == issuer)
        )


def _birth_key(born: date) -> str:
    low, high = sorted((born.month, born.day))
    return f"{born.year:04d}-{low:02d}-{high:02d}"


def blocking_keys(profile: MatchProfile) -> frozenset[str]:
    """Every blocking key of ``profile`` as text (see the module's description)."""
    keys: set[str] = {f"identifier|{identifier.index_text}" for identifier in profile.identifiers}
    district = profile.postcode.district if profile.postcode else None
    if profile.birth_date is not None:
        born = _birth_key(profile.birth_date)
        keys.update(f"dob-surname|{born}|{code}" for code in profile.surname_codes)
        keys.update(f"dob-forename|{born}|{code}" for code in profile.forename_codes)
        if district:
            keys.add(f"dob-district|{born}|{district}")
    if district:
        keys.update(
            f"names-district|{surname}|{forename}|{district}"
            for surname, forename in product(sorted(profile.surname_codes), sorted(profile.forename_codes))
        )
    return frozenset(keys)
