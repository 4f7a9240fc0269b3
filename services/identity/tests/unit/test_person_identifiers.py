"""Agency identifiers are validated before anything is linked to them, and a rejection never repeats them."""

from __future__ import annotations

import pytest
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier, InvalidIdentifier, upn_check_letter


@pytest.mark.parametrize(
    ("kind", "given", "normal"),
    [
        (IdentifierKind.NHS_NUMBER, "999 000 0018", "9990000018"),
        (IdentifierKind.UPN, "B801200005001", "B801200005001"),  # python-stdnum's documented valid UPN
        (IdentifierKind.UPN, "p207000016049", "P207000016049"),
        (IdentifierKind.UPN, "M80120000500A", "M80120000500A"),  # temporary UPN, final letter worth 0
        (IdentifierKind.ULN, "9276308686", "9276308686"),  # HESA's worked example
        (IdentifierKind.ULN, "92763 08686", "9276308686"),
    ],
)
def test_valid_identifiers_are_kept_in_normal_form(kind: IdentifierKind, given: str, normal: str) -> None:
    assert AgencyIdentifier.parse(kind, given).value == normal


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (IdentifierKind.NHS_NUMBER, "9990000019"),
        (IdentifierKind.UPN, "A801200005001"),  # wrong check letter
        (IdentifierKind.UPN, "Q207000016049"),  # a published example whose arithmetic is wrong: P is right
        (IdentifierKind.UPN, "I801200005001"),  # I, O and S are never check letters
        (IdentifierKind.UPN, "B80120000500"),
        (IdentifierKind.ULN, "9276308687"),
        (IdentifierKind.ULN, "0276308686"),  # the first digit is never zero
        (IdentifierKind.ULN, "927630868"),
    ],
)
def test_invalid_identifiers_are_refused_without_repeating_them(kind: IdentifierKind, given: str) -> None:
    with pytest.raises(InvalidIdentifier) as refused:
        AgencyIdentifier.parse(kind, given)
    assert refused.value.kind is kind
    assert given not in str(refused.value) and given[1:] not in str(refused.value)


def test_the_upn_check_letter_counts_a_temporary_upns_letter_by_its_place_in_the_alphabet_used() -> None:
    # 8x2 + 1x4 + 2x5 + 5x10 + 1x13 = 93 = 4 x 23 + 1 -> B. A final "B" is worth 1, like the digit; "A" is 0.
    assert upn_check_letter("801200005001") == "B"
    assert upn_check_letter("80120000500B") == "B"
    assert upn_check_letter("80120000500A") == "M"  # 80 = 3 x 23 + 11


def test_an_la_case_id_belongs_to_the_la_that_issued_it() -> None:
    case = AgencyIdentifier.parse(IdentifierKind.LA_CASE_ID, " SEN/2026/0042 ", "841")
    assert (case.value, case.issuer) == ("SEN/2026/0042", "841")
    assert case.index_text != AgencyIdentifier.parse(IdentifierKind.LA_CASE_ID, "SEN/2026/0042", "805").index_text
    with pytest.raises(InvalidIdentifier):
        AgencyIdentifier.parse(IdentifierKind.LA_CASE_ID, "SEN/2026/0042")
    with pytest.raises(InvalidIdentifier):
        AgencyIdentifier.parse(IdentifierKind.UPN, "B801200005001", "841")
