"""The NHS number: its Modulus 11 check digit, a validating pydantic type, and its verification status.

An NHS number is 10 digits; the tenth is a Modulus 11 check digit over the first nine (NHS Data Dictionary).
People write it grouped ("999 000 0018", "999-000-0018"), so spaces and hyphens are ignored when reading one;
it is always stored and emitted as 10 plain digits. Error messages never repeat the number itself.
"""

import re
from enum import StrEnum
from typing import Annotated, Final

from pydantic import AfterValidator, Field

_NINE_DIGITS: Final = re.compile(r"[0-9]{9}")
_TEN_DIGITS: Final = re.compile(r"[0-9]{10}")
_SEPARATORS: Final = re.compile(r"[ -]")
_WEIGHTS: Final = range(10, 1, -1)


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The check digit for these nine digits, or None when there is none (no NHS number starts with them).

    Each digit is weighted 10 down to 2; the check digit is 11 minus the sum modulo 11, where 11 becomes 0 and
    10 means the nine digits are never issued.
    """
    if _NINE_DIGITS.fullmatch(first_nine) is None:
        raise ValueError("Expected exactly nine digits")
    remainder = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    """The NHS number as 10 plain digits; ValueError (not naming the number) if it is not a valid one."""
    digits = _SEPARATORS.sub("", value)
    if _TEN_DIGITS.fullmatch(digits) is None:
        raise ValueError("An NHS number has exactly 10 digits")
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise ValueError("NHS number fails the Modulus 11 check")
    return digits


def is_valid_nhs_number(value: str) -> bool:
    """Whether ``value`` is 10 digits (spaces and hyphens ignored) with a correct Modulus 11 check digit."""
    try:
        normalise_nhs_number(value)
    except ValueError:
        return False
    return True


NhsNumber = Annotated[
    str,
    AfterValidator(normalise_nhs_number),
    Field(description="NHS number: 10 digits with a valid Modulus 11 check digit", examples=["9990000018"]),
]
"""A validated NHS number, normalised to 10 digits. Models using it should set ``hide_input_in_errors=True``
so that a rejected number does not appear in a logged ``ValidationError``."""


class NhsNumberVerificationStatus(StrEnum):
    """How far an NHS number has been traced against the national register (NHS Data Dictionary "NHS Number
    Status Indicator Code", UK Core ``UKCore-NHSNumberVerificationStatusEngland``)."""

    PRESENT_AND_VERIFIED = "01"
    """Number present and verified."""
    PRESENT_BUT_NOT_TRACED = "02"
    """Number present but not traced."""
    TRACE_REQUIRED = "03"
    """Trace required."""
    TRACE_ATTEMPTED_NO_MATCH_OR_MULTIPLE_MATCH = "04"
    """Trace attempted - No match or multiple match found."""
    TRACE_NEEDS_TO_BE_RESOLVED = "05"
    """Trace needs to be resolved - (NHS number or patient detail conflict)."""
    TRACE_IN_PROGRESS = "06"
    """Trace in progress."""
    NOT_PRESENT_AND_TRACE_NOT_REQUIRED = "07"
    """Number not present and trace not required."""
    TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS = "08"
    """Trace postponed (baby under six weeks old)."""

    @property
    def display(self) -> str:
        """The display text of the code in the UK Core CodeSystem."""
        return _VERIFICATION_STATUS_DISPLAYS[self]


_VERIFICATION_STATUS_DISPLAYS: Final = {
    NhsNumberVerificationStatus.PRESENT_AND_VERIFIED: "Number present and verified",
    NhsNumberVerificationStatus.PRESENT_BUT_NOT_TRACED: "Number present but not traced",
    NhsNumberVerificationStatus.TRACE_REQUIRED: "Trace required",
    NhsNumberVerificationStatus.TRACE_ATTEMPTED_NO_MATCH_OR_MULTIPLE_MATCH: (
        "Trace attempted - No match or multiple match found"
    ),
    NhsNumberVerificationStatus.TRACE_NEEDS_TO_BE_RESOLVED: (
        "Trace needs to be resolved - (NHS number or patient detail conflict)"
    ),
    NhsNumberVerificationStatus.TRACE_IN_PROGRESS: "Trace in progress",
    NhsNumberVerificationStatus.NOT_PRESENT_AND_TRACE_NOT_REQUIRED: "Number not present and trace not required",
    NhsNumberVerificationStatus.TRACE_POSTPONED_BABY_UNDER_SIX_WEEKS: "Trace postponed (baby under six weeks old)",
}
