"""How alike two records are, field by field: each comparison names the level of agreement it found.

Levels run from exact agreement down to plain disagreement, with levels between for the errors agencies make:
typos and transposed letters (Jaro-Winkler similarity), sound-alike spellings (Metaphone), forenames in
another order, a child known by a middle name, a forename written as an initial, half of a double-barrelled
surname, day and month swapped in a date of birth, a postcode mistyped in its last letters. ``missing`` means
one side did not say: no evidence either way.
"""

from __future__ import annotations

from enum import StrEnum

from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.matching_profile import MatchProfile
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler


class Level(StrEnum):
    EXACT = "exact"
    SWAPPED = "swapped"  # the same forenames in another order
    MIDDLE = "middle"  # known by a middle name
    PART = "part"  # one word of a surname of several
    CLOSE = "close"  # a typo or two
    SIMILAR = "similar"  # sounds alike, or a short form
    INITIAL = "initial"
    NEAR = "near"  # a date with day and month swapped, or one digit wrong
    SECTOR = "sector"
    DISTRICT = "district"
    AGREE = "agree"
    DIFFERENT = "different"
    MISSING = "missing"


CLOSE_SIMILARITY = 0.92
SIMILAR_SIMILARITY = 0.85


def compare_forenames(a: MatchProfile, b: MatchProfile) -> Level:
    if not a.forenames or not b.forenames:
        return Level.MISSING
    first_a, first_b = a.forenames[0], b.forenames[0]
    if first_a == first_b:
        return Level.EXACT
    if sorted(a.forenames) == sorted(b.forenames):
        return Level.SWAPPED
    if first_a in b.forenames[1:] or first_b in a.forenames[1:]:
        return Level.MIDDLE
    if len(first_a) == 1 or len(first_b) == 1:
        return Level.INITIAL if first_a[0] == first_b[0] else Level.DIFFERENT
    similarity = JaroWinkler.similarity(first_a, first_b)
    if similarity >= CLOSE_SIMILARITY:
        return Level.CLOSE
    short, long = sorted((first_a, first_b), key=len)
    if (
        similarity >= SIMILAR_SIMILARITY
        or (len(short) >= 3 and long.startswith(short))
        or (a.forename_codes and a.forename_codes == b.forename_codes)
    ):
        return Level.SIMILAR
    return Level.DIFFERENT


def compare_surnames(a: MatchProfile, b: MatchProfile) -> Level:
    if not a.surnames or not b.surnames:
        return Level.MISSING
    if a.surname_joined == b.surname_joined:
        return Level.EXACT
    if set(a.surnames) & set(b.surnames):
        return Level.PART
    similarity = max(
        JaroWinkler.similarity(a.surname_joined, b.surname_joined),
        *(JaroWinkler.similarity(x, y) for x in a.surnames for y in b.surnames),
    )
    if similarity >= CLOSE_SIMILARITY:
        return Level.CLOSE
    if similarity >= SIMILAR_SIMILARITY or a.surname_codes & b.surname_codes:
        return Level.SIMILAR
    return Level.DIFFERENT


def compare_birth_dates(a: MatchProfile, b: MatchProfile) -> Level:
    if a.birth_date is None or b.birth_date is None:
        return Level.MISSING
    if a.birth_date == b.birth_date:
        return Level.EXACT
    x, y = a.birth_date, b.birth_date
    if x.year == y.year and x.month == y.day and x.day == y.month:
        return Level.NEAR
    if DamerauLevenshtein.distance(x.strftime("%Y%m%d"), y.strftime("%Y%m%d")) == 1:
        return Level.NEAR
    return Level.DIFFERENT


def compare_sex(a: MatchProfile, b: MatchProfile) -> Level:
    if a.sex is None or b.sex is None:
        return Level.MISSING
    return Level.AGREE if a.sex is b.sex else Level.DIFFERENT


def compare_postcodes(a: MatchProfile, b: MatchProfile) -> Level:
    if a.postcode is None or b.postcode is None:
        return Level.MISSING
    if a.postcode.full == b.postcode.full:
        return Level.EXACT
    if a.postcode.sector == b.postcode.sector:
        return Level.SECTOR
    if a.postcode.district == b.postcode.district:
        return Level.DISTRICT
    return Level.DIFFERENT


def compare_identifiers(a: MatchProfile, b: MatchProfile, kind: IdentifierKind) -> Level:
    """Agency identifiers of one kind; LA case ids are compared only between ids issued by the same LA."""
    if kind is IdentifierKind.LA_CASE_ID:
        issuers = {i.issuer for i in a.identifiers if i.kind is kind} & {
            i.issuer for i in b.identifiers if i.kind is kind
        }
        if not issuers:
            return Level.MISSING
        agreed = any(a.identifier_values(kind, issuer) & b.identifier_values(kind, issuer) for issuer in issuers)
        return Level.AGREE if agreed else Level.DIFFERENT
    mine, theirs = a.identifier_values(kind), b.identifier_values(kind)
    if not mine or not theirs:
        return Level.MISSING
    return Level.AGREE if mine & theirs else Level.DIFFERENT
