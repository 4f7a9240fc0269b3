"""The NHS number Modulus 11 check, the validating pydantic type and the verification status codes."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pathfinder.contracts.fhir.nhs_number import (
    NhsNumber,
    NhsNumberVerificationStatus,
    is_valid_nhs_number,
    nhs_number_check_digit,
    normalise_nhs_number,
)
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

NHS_NUMBER = TypeAdapter(NhsNumber)


@st.composite
def valid_nhs_numbers(draw: st.DrawFn) -> str:
    first_nine = draw(st.text("0123456789", min_size=9, max_size=9))
    check = nhs_number_check_digit(first_nine)
    assume(check is not None)
    return f"{first_nine}{check}"


@pytest.mark.parametrize("number", ["9990000018", "9990000026", "9434765919", "4010232137"])
def test_numbers_with_a_correct_check_digit_are_valid(number: str) -> None:
    assert is_valid_nhs_number(number)
    assert NHS_NUMBER.validate_python(number) == number


def test_the_uk_core_baby_patient_number_fails_the_check() -> None:
    assert nhs_number_check_digit("991200389") == 6
    assert not is_valid_nhs_number("9912003890")


def test_eleven_becomes_zero_and_ten_means_no_number_starts_with_those_digits() -> None:
    assert nhs_number_check_digit("000000000") == 0  # remainder 0: 11 becomes 0
    assert nhs_number_check_digit("000000001") == 9  # 1 x 2 = 2: 11 - 2
    assert nhs_number_check_digit("000000006") is None  # 6 x 2 = 12, remainder 1: 11 - 1 = 10
    assert not any(is_valid_nhs_number(f"000000006{digit}") for digit in range(10))


@pytest.mark.parametrize(
    "first_nine",
    ["", "12345678", "1234567890", "12345678a", "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19", "٩٩٩٠٠٠٠٠١"],
)
def test_the_check_digit_needs_exactly_nine_ascii_digits(first_nine: str) -> None:
    with pytest.raises(ValueError, match="nine digits"):
        nhs_number_check_digit(first_nine)


@pytest.mark.parametrize("written", ["999 000 0018", "999-000-0018", " 9990000018 ", "999 000-0018"])
def test_spaces_and_hyphens_are_ignored_and_the_number_normalised_to_ten_digits(written: str) -> None:
    assert is_valid_nhs_number(written)
    assert normalise_nhs_number(written) == "9990000018"
    assert NHS_NUMBER.validate_python(written) == "9990000018"


@pytest.mark.parametrize(
    "written",
    ["", "999000001", "99900000188", "999000001X", "999.000.0018", "999\t000\t0018", "٩٩٩٠٠٠٠٠١٨", "9990000019"],
)
def test_anything_else_is_not_an_nhs_number(written: str) -> None:
    assert not is_valid_nhs_number(written)
    with pytest.raises(ValueError, match="NHS number") as raised:
        normalise_nhs_number(written)
    assert written.strip() == "" or written not in str(raised.value)


def test_the_pydantic_type_rejects_without_repeating_the_number() -> None:
    class Child(BaseModel):
        model_config = ConfigDict(hide_input_in_errors=True)
        nhs_number: NhsNumber

    with pytest.raises(ValidationError) as raised:
        Child(nhs_number="9912003890")
    assert "Modulus 11" in str(raised.value)
    assert "9912003890" not in str(raised.value)
    with pytest.raises(ValidationError):
        Child.model_validate({"nhs_number": 9990000018})


def test_verification_status_codes_are_01_to_08_with_the_uk_core_displays() -> None:
    assert [status.value for status in NhsNumberVerificationStatus] == [f"0{n}" for n in range(1, 9)]
    assert NhsNumberVerificationStatus("01").display == "Number present and verified"
    postponed = NhsNumberVerificationStatus.TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS
    assert postponed == "08"
    assert postponed.display == "Trace postponed (baby under six weeks old)"
    assert all(status.display for status in NhsNumberVerificationStatus)


@given(valid_nhs_numbers())
def test_every_number_with_its_check_digit_is_valid_and_survives_normalising(number: str) -> None:
    assert is_valid_nhs_number(number)
    assert normalise_nhs_number(number) == number
    assert normalise_nhs_number(f"{number[:3]} {number[3:6]} {number[6:]}") == number


@given(valid_nhs_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_is_caught(number: str, position: int, shift: int) -> None:
    changed = str((int(number[position]) + shift) % 10)
    assert not is_valid_nhs_number(number[:position] + changed + number[position + 1 :])


@given(valid_nhs_numbers(), st.integers(0, 8))
def test_any_transposition_of_adjacent_digits_is_caught(number: str, position: int) -> None:
    first, second = number[position], number[position + 1]
    assume(first != second)
    assert not is_valid_nhs_number(number[:position] + second + first + number[position + 2 :])
