"""The matcher on messy records, without I/O: what links at once, what waits for a reviewer, what is a new child."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.demographics import Demographics, PostcodeParts, Sex, name_tokens
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Candidate,
    MatchOutcome,
    decide,
    score,
)
from pathfinder.identity.persons.domain.matching_comparisons import Level
from pathfinder.identity.persons.domain.matching_profile import MatchProfile, blocking_keys

AMELIA = Demographics(("Amelia", "Rose"), "Smith-Jones", date(2019, 4, 12), Sex.FEMALE, "DL1 4AB")


def profile(base: Demographics = AMELIA, *identifiers: AgencyIdentifier, **changes: Any) -> MatchProfile:
    return MatchProfile.of(replace(base, **changes), frozenset(identifiers))


def one_candidate(incoming: MatchProfile, held: MatchProfile) -> tuple[MatchOutcome, UUID]:
    person_id = uuid4()
    decision = decide(incoming, [Candidate(person_id, [held])])
    return decision.outcome, person_id


@pytest.mark.parametrize(
    ("mess", "changes"),
    [
        ("the same record", {}),
        ("forename typo", {"given_names": ("Amleia", "Rose")}),
        ("forenames swapped", {"given_names": ("Rose", "Amelia")}),
        ("middle name left out", {"given_names": ("Amelia",)}),
        ("surname typo", {"family_name": "Smiht-Jones"}),
        ("hyphen written as a space", {"family_name": "Smith Jones"}),
        ("one half of a double-barrelled surname", {"family_name": "Jones"}),
        ("upper case and accents", {"given_names": ("AMÉLIA",), "family_name": "SMITH-JONES"}),
        ("postcode without its space, lower case", {"postcode": "dl14ab"}),
        ("day and month swapped", {"birth_date": date(2019, 12, 4)}),
        ("moved within the postcode district", {"postcode": "DL1 9ZZ"}),
        ("sex not recorded", {"sex": None}),
    ],
)
def test_messy_records_of_the_same_child_match(mess: str, changes: dict[str, Any]) -> None:
    outcome, _ = one_candidate(profile(**changes), profile())
    assert outcome is MatchOutcome.MATCH, mess


def test_a_nickname_or_a_move_across_the_country_waits_for_a_reviewer() -> None:
    for changes in ({"given_names": ("Millie",)}, {"postcode": "EX4 4QJ"}):
        outcome, _ = one_candidate(profile(**changes), profile())
        assert outcome is MatchOutcome.POSSIBLE_MATCH, changes


def test_twins_never_match_each_other_automatically() -> None:
    twin = profile(given_names=("Isla",), sex=Sex.MALE)
    twin_same_sex = profile(given_names=("Isla",))
    for other in (twin, twin_same_sex):
        found = score(other, profile())
        assert found.levels["birth_date"] is Level.EXACT and found.levels["postcode"] is Level.EXACT
        assert not found.may_link_unreviewed
        outcome, _ = one_candidate(other, profile())
        assert outcome is not MatchOutcome.MATCH


def test_a_twin_whose_first_name_is_the_others_middle_name_is_not_linked() -> None:
    outcome, _ = one_candidate(profile(given_names=("Rose",)), profile())
    assert outcome is MatchOutcome.POSSIBLE_MATCH


def test_each_twin_matches_their_own_record_not_the_others() -> None:
    amelia_id, isla_id = uuid4(), uuid4()
    candidates = [Candidate(amelia_id, [profile()]), Candidate(isla_id, [profile(given_names=("Isla",))])]
    decision = decide(profile(given_names=("Isla",), postcode="dl14ab"), candidates)
    assert (decision.outcome, decision.person_id) == (MatchOutcome.MATCH, isla_id)


def test_a_sibling_at_the_same_address_is_a_new_child() -> None:
    sibling = profile(given_names=("Oliver",), birth_date=date(2021, 8, 30), sex=Sex.MALE)
    outcome, _ = one_candidate(sibling, profile())
    assert outcome is MatchOutcome.NO_MATCH


def test_different_nhs_numbers_are_never_linked_without_a_reviewer() -> None:
    first = AgencyIdentifier.parse(IdentifierKind.NHS_NUMBER, "9990000018")
    second = AgencyIdentifier.parse(IdentifierKind.NHS_NUMBER, "9990000026")
    found = score(profile(AMELIA, first), profile(AMELIA, second))
    assert found.levels[IdentifierKind.NHS_NUMBER.value] is Level.DIFFERENT
    assert not found.may_link_unreviewed
    outcome, _ = one_candidate(profile(AMELIA, first), profile(AMELIA, second))
    assert outcome is MatchOutcome.POSSIBLE_MATCH
    twin = score(profile(AMELIA, first, given_names=("Isla",)), profile(AMELIA, second))
    assert twin.total < POSSIBLE_THRESHOLD


def test_an_agreeing_identifier_lets_a_nickname_link() -> None:
    upn = AgencyIdentifier.parse(IdentifierKind.UPN, "B801200005001")
    found = score(profile(AMELIA, upn, given_names=("Millie",)), profile(AMELIA, upn))
    assert found.may_link_unreviewed and found.total >= MATCH_THRESHOLD


def test_two_linkable_candidates_are_a_possible_match_for_a_reviewer() -> None:
    candidates = [Candidate(uuid4(), [profile()]), Candidate(uuid4(), [profile(postcode="DL1 4AD")])]
    decision = decide(profile(), candidates)
    assert decision.outcome is MatchOutcome.POSSIBLE_MATCH
    assert len(decision.review_candidates) == 2


def test_a_person_is_scored_on_their_best_record() -> None:
    moved = profile(postcode="EX4 4QJ")
    decision = decide(profile(), [Candidate(uuid4(), [moved, profile(postcode="dl1 4ab")])])
    assert decision.outcome is MatchOutcome.MATCH


@pytest.mark.parametrize(
    "changes",
    [
        {"given_names": ("Amleia", "Rose"), "family_name": "Smiht-Jones"},
        {"birth_date": date(2019, 12, 4), "postcode": None},
        {"birth_date": date(2018, 4, 12)},
        {"family_name": "Brown", "postcode": "DL1 4AB"},
        {"given_names": ("Rose",), "postcode": "EX4 4QJ"},
    ],
)
def test_blocking_finds_the_child_despite_the_errors(changes: dict[str, Any]) -> None:
    assert blocking_keys(profile(**changes)) & blocking_keys(profile())


def test_blocking_keys_are_specific_not_an_all_pairs_scan() -> None:
    stranger = Demographics(("Oliver",), "Brown", date(2015, 1, 3), Sex.MALE, "EX4 4QJ")
    assert not blocking_keys(MatchProfile.of(stranger)) & blocking_keys(profile())


def test_names_and_postcodes_are_compared_in_normal_form() -> None:
    assert name_tokens("O'Brien-Núñez") == ("OBRIEN", "NUNEZ")
    assert name_tokens("Baby Smith") == ("SMITH",)
    parts = PostcodeParts.of("ls83dr")
    assert (parts.full, parts.sector, parts.district, parts.area) == ("LS8 3DR", "LS8 3", "LS8", "LS")


def test_personal_details_stay_out_of_reprs() -> None:
    assert "Amelia" not in repr(AMELIA) and "Amelia" not in repr(profile())
    assert "9990000018" not in repr(AgencyIdentifier.parse(IdentifierKind.NHS_NUMBER, "9990000018"))
