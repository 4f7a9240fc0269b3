"""Deciding whether an incoming record is a child the index already knows.

Deterministic first: a verified NHS number that the index holds names the person outright (the handler does
this lookup before anything here runs). Otherwise Fellegi-Sunter scoring over the candidates blocking found.

Scoring. For each field the comparison finds a level of agreement (see ``matching_comparisons``). Each level
has two probabilities: m, that a true match shows it, and u, that two different children show it. The level's
weight is log2(m/u) bits; a record pair's score is the sum over fields. Agreement on something rare (an exact
date of birth, a full postcode) earns many bits; disagreement on something that true matches seldom get wrong
(a date of birth, a forename) costs many. A missing value weighs nothing.

The m and u values below are estimates, rounded: m from the errors agencies' records show (typos, day and
month swapped, forenames in another order or cut short, families moving house), u from how names, dates of
birth and postcodes spread among children in England (about 1 in 9,000 for a date of birth in the 0-25 range;
a few in a thousand for a forename or surname; a postcode shared by about 15 households of some 1.7 million
postcodes). ``benchmarks/person_matching.py`` measures both on labelled synthetic pairs and prints them beside
these; its names are more concentrated than England's, so its measured u for names is higher.

Thresholds, in bits, chosen on that benchmark (12,000 indexed children in households with siblings and twins;
6,000 incoming records: 4,000 of indexed children with realistic errors and no NHS number, 2,000 of children not
in the index, 800 of them siblings or twins of indexed children):

- ``MATCH_THRESHOLD`` = 27. A record agreeing on forename, surname, date of birth and sex scores 27.8 with no
  postcode, 29.8 when the family moved within the postcode district and 41 at the same address; having moved
  further it scores 24.8 and goes to review: about 1,600 children are born in England each day, so a common
  forename and surname on one date of birth recurs across the country, and only the address tells them apart.
  On the benchmark no pair of different children that the guard lets through scored above 24.7; at 27 there
  is no wrong match (precision 1.000, recall 0.895); at 23 recall rises to 0.942 and the first wrong match
  appears.
- ``POSSIBLE_THRESHOLD`` = 14. Match or possible match then finds 99.7 % of indexed children (precision
  0.952), with 10 % of incoming records queued for review, most of them true matches that moved house or go by
  a short form of their name, and twins. At 10 recall gains 0.07 points for 1.5 more points of queue; at 18 it
  loses 0.16 points.

Fellegi-Sunter treats fields as independent, and twins break that: same date of birth, surname and address by
birth, so they can score like one child. The multiple-birth guard therefore holds at "possible" any candidate
whose forename does not agree (exact, the same names in another order, or a typo apart) or whose recorded sex
differs, unless an agency identifier agrees: a child known by a middle name, a short form or no forename at
all is for a reviewer. So is a pair whose identifiers of one kind differ (two NHS numbers: twins, or a
duplicate registration to be merged), however well the rest agrees. On the benchmark 70 pairs of twins and 34
of siblings scored above the match threshold; the guard held every one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from uuid import UUID

from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.matching_comparisons import (
    Level,
    compare_birth_dates,
    compare_forenames,
    compare_identifiers,
    compare_postcodes,
    compare_sex,
    compare_surnames,
)
from pathfinder.identity.persons.domain.matching_profile import MatchProfile

MATCH_THRESHOLD: Final = 27.0
POSSIBLE_THRESHOLD: Final = 14.0
REVIEW_CANDIDATES: Final = 5

# field -> level -> (m, u)
M_U: Final[Mapping[str, Mapping[Level, tuple[float, float]]]] = {
    "forename": {
        Level.EXACT: (0.88, 0.008),
        Level.SWAPPED: (0.02, 0.0002),
        Level.MIDDLE: (0.02, 0.01),
        Level.CLOSE: (0.04, 0.002),
        Level.SIMILAR: (0.03, 0.01),
        Level.INITIAL: (0.005, 0.002),
        Level.DIFFERENT: (0.015, 0.979),
    },
    "surname": {
        Level.EXACT: (0.90, 0.004),
        Level.PART: (0.03, 0.001),
        Level.CLOSE: (0.04, 0.002),
        Level.SIMILAR: (0.01, 0.01),
        Level.DIFFERENT: (0.02, 0.983),
    },
    "birth_date": {
        Level.EXACT: (0.95, 0.0002),
        Level.NEAR: (0.04, 0.003),
        Level.DIFFERENT: (0.01, 0.9968),
    },
    "sex": {
        Level.AGREE: (0.98, 0.5),
        Level.DIFFERENT: (0.02, 0.5),
    },
    "postcode": {
        Level.EXACT: (0.80, 0.0001),
        Level.SECTOR: (0.04, 0.001),
        Level.DISTRICT: (0.04, 0.01),
        Level.DIFFERENT: (0.12, 0.9889),
    },
    IdentifierKind.NHS_NUMBER.value: {Level.AGREE: (0.99, 0.00001), Level.DIFFERENT: (0.00001, 1.0)},
    IdentifierKind.UPN.value: {Level.AGREE: (0.95, 0.00001), Level.DIFFERENT: (0.05, 1.0)},
    IdentifierKind.ULN.value: {Level.AGREE: (0.98, 0.00001), Level.DIFFERENT: (0.01, 1.0)},
    IdentifierKind.LA_CASE_ID.value: {Level.AGREE: (0.95, 0.0001), Level.DIFFERENT: (0.05, 1.0)},
}

WEIGHTS: Final[Mapping[str, Mapping[Level, float]]] = {
    field: {level: math.log2(m / u) for level, (m, u) in levels.items()} for field, levels in M_U.items()
}

_FORENAME_AGREES: Final = frozenset({Level.EXACT, Level.SWAPPED, Level.CLOSE})


class MatchOutcome(StrEnum):
    MATCH = "match"
    POSSIBLE_MATCH = "possible-match"
    NO_MATCH = "no-match"


@dataclass(frozen=True)
class Score:
    """A record pair's total weight and the level each field reached (levels say how, never what)."""

    total: float
    levels: Mapping[str, Level]

    @property
    def identifier_agrees(self) -> bool:
        return any(self.levels.get(kind.value) is Level.AGREE for kind in IdentifierKind)

    @property
    def identifier_differs(self) -> bool:
        return any(self.levels.get(kind.value) is Level.DIFFERENT for kind in IdentifierKind)

    @property
    def may_link_unreviewed(self) -> bool:
        """The multiple-birth guard (see the module's description); and two records that carry different
        identifiers of one kind are never linked without a person looking."""
        if self.identifier_differs:
            return False
        if self.identifier_agrees:
            return True
        return self.levels["forename"] in _FORENAME_AGREES and self.levels["sex"] is not Level.DIFFERENT


def score(incoming: MatchProfile, candidate: MatchProfile) -> Score:
    levels: dict[str, Level] = {
        "forename": compare_forenames(incoming, candidate),
        "surname": compare_surnames(incoming, candidate),
        "birth_date": compare_birth_dates(incoming, candidate),
        "sex": compare_sex(incoming, candidate),
        "postcode": compare_postcodes(incoming, candidate),
    }
    for kind in IdentifierKind:
        levels[kind.value] = compare_identifiers(incoming, candidate, kind)
    total = sum(WEIGHTS[field].get(level, 0.0) for field, level in levels.items())
    return Score(total=round(total, 2), levels=levels)


@dataclass(frozen=True)
class Candidate:
    """A person blocking found, with a profile for each record the index holds for them."""

    person_id: UUID
    profiles: Sequence[MatchProfile]


@dataclass(frozen=True)
class ScoredCandidate:
    person_id: UUID
    score: Score


@dataclass(frozen=True)
class MatchDecision:
    outcome: MatchOutcome
    person_id: UUID | None = None
    review_candidates: tuple[ScoredCandidate, ...] = ()


def best_score(incoming: MatchProfile, candidate: Candidate) -> ScoredCandidate:
    scores = [score(incoming, profile) for profile in candidate.profiles]
    return ScoredCandidate(candidate.person_id, max(scores, key=lambda found: found.total))


def decide(
    incoming: MatchProfile,
    candidates: Sequence[Candidate],
    *,
    match_threshold: float = MATCH_THRESHOLD,
    possible_threshold: float = POSSIBLE_THRESHOLD,
) -> MatchDecision:
    """Match when exactly one candidate clears both the match threshold and the guard; possible match when
    any clears the lower threshold (two linkable candidates included: the index may hold a duplicate);
    otherwise no match."""
    scored = sorted(
        (best_score(incoming, candidate) for candidate in candidates if candidate.profiles),
        key=lambda found: found.score.total,
        reverse=True,
    )
    linkable = [found for found in scored if found.score.total >= match_threshold and found.score.may_link_unreviewed]
    if len(linkable) == 1:
        # A twin also above the threshold but held back by the guard does not make the match ambiguous.
        return MatchDecision(MatchOutcome.MATCH, person_id=linkable[0].person_id)
    possible = tuple(found for found in scored if found.score.total >= possible_threshold)
    if possible:
        return MatchDecision(MatchOutcome.POSSIBLE_MATCH, review_candidates=possible[:REVIEW_CANDIDATES])
    return MatchDecision(MatchOutcome.NO_MATCH)
