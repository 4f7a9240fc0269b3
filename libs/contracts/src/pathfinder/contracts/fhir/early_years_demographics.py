"""The child named in an early-years notification: a UK Core Patient read into, and written from, the
platform's ``ChildDemographics``.

Only what the LA needs to identify the child and find the responsible authority is kept: the NHS number and
its verification status, the current name, date of birth, sex and current home address. Telephone numbers,
ethnicity, GP and local identifiers are left behind. Personal fields are kept out of ``repr``.
"""

import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Final, Literal, Self, get_args

from fhir.resources.R4B.address import Address
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.patient import Patient
from pathfinder.contracts.fhir.nhs_number import NhsNumber, NhsNumberVerificationStatus, normalise_nhs_number
from pathfinder.contracts.fhir.outcome import OutcomeIssue, SpineErrorCode
from pathfinder.contracts.fhir.systems import (
    NHS_NUMBER,
    NHS_NUMBER_OID,
    NHS_NUMBER_SYSTEMS,
    NHS_NUMBER_VERIFICATION_STATUS_CODE_SYSTEMS,
    NHS_NUMBER_VERIFICATION_STATUS_EXTENSIONS,
    UK_CORE_NHS_NUMBER_VERIFICATION_STATUS,
    UK_CORE_NHS_NUMBER_VERIFICATION_STATUS_ENGLAND,
)
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

Sex = Literal["male", "female", "other", "unknown"]
"""FHIR administrative gender, as recorded by the NHS body."""

_SEXES: Final[dict[str, Sex]] = {sex: sex for sex in get_args(Sex)}
_POSTCODE: Final = re.compile(r"GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


def normalise_postcode(value: str) -> str:
    """A UK postcode in upper case with a single space before the inward code, e.g. ``LS8 3DR``."""
    compact = "".join(value.split()).upper()
    if _POSTCODE.fullmatch(compact) is None:
        raise ValueError("Not a UK postcode")
    return f"{compact[:-3]} {compact[-3:]}"


Postcode = Annotated[str, AfterValidator(normalise_postcode)]
Text = Annotated[str, StringConstraints(min_length=1)]


class ChildDemographics(BaseModel):
    """Who the child is, as the notifying NHS body recorded them."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    nhs_number: NhsNumber | None = Field(default=None, repr=False)
    nhs_number_verification: NhsNumberVerificationStatus | None = None
    given_names: tuple[Text, ...] = Field(default=(), repr=False)
    family_name: Text | None = Field(default=None, repr=False)
    birth_date: date = Field(repr=False)
    sex: Sex | None = None
    postcode: Postcode | None = Field(default=None, repr=False, description="Of the current home address")
    address_lines: tuple[Text, ...] = Field(default=(), repr=False, description="Lines, town and county")

    @model_validator(mode="after")
    def _verification_needs_a_number(self) -> Self:
        if self.nhs_number_verification is not None and self.nhs_number is None:
            raise ValueError("A verification status belongs to an NHS number")
        return self


def child_demographics(patient: Patient, path: str, issues: list[OutcomeIssue]) -> ChildDemographics | None:
    """The child in ``patient`` (found at FHIRPath ``path``); None, with the problems added to ``issues``,
    if the Patient cannot be accepted."""
    found_before = len(issues)
    if patient.modifierExtension:
        issues.append(_issue("extension", "Modifier extensions are not supported", None, f"{path}.modifierExtension"))
    nhs_number, verification = _nhs_number(patient, path, issues)
    birth_date = patient.birthDate
    if birth_date is None:
        where = f"{path}.birthDate"
        issues.append(_issue("required", "The child's birthDate is required", SpineErrorCode.MISSING_VALUE, where))
    elif not isinstance(birth_date, date):
        diagnostics = "birthDate must be a full date (year, month and day)"
        issues.append(_issue("value", diagnostics, SpineErrorCode.INVALID_VALUE, f"{path}.birthDate"))
    sex = _SEXES.get(patient.gender or "")
    if patient.gender is not None and sex is None:
        diagnostics = "gender must be one of male, female, other, unknown"
        issues.append(_issue("code-invalid", diagnostics, SpineErrorCode.INVALID_CODE_VALUE, f"{path}.gender"))
    name = _current_name(patient.name or [])
    address_index, address = _home_address(patient.address or [])
    postcode = None
    if address is not None and address.postalCode is not None:
        try:
            postcode = normalise_postcode(address.postalCode)
        except ValueError:
            where = f"{path}.address[{address_index}].postalCode"
            issues.append(_issue("value", "postalCode is not a UK postcode", SpineErrorCode.INVALID_VALUE, where))
    if len(issues) > found_before or not isinstance(birth_date, date):
        return None
    return ChildDemographics(
        nhs_number=nhs_number,
        nhs_number_verification=verification,
        given_names=_texts(name.given if name else None),
        family_name=next(iter(_texts([name.family] if name else None)), None),
        birth_date=birth_date,
        sex=sex,
        postcode=postcode,
        address_lines=_texts([*(address.line or []), address.city, address.district] if address else None),
    )


def child_patient(child: ChildDemographics, *, resource_id: str | None = None) -> Patient:
    """The child as a UK Core Patient, its NHS number always in the R4 identifier system."""
    identifier = None
    if child.nhs_number is not None:
        extension = None
        if child.nhs_number_verification is not None:
            status = child.nhs_number_verification
            coding = Coding(system=UK_CORE_NHS_NUMBER_VERIFICATION_STATUS_ENGLAND, code=status, display=status.display)
            concept = CodeableConcept(coding=[coding])
            extension = [Extension(url=UK_CORE_NHS_NUMBER_VERIFICATION_STATUS, valueCodeableConcept=concept)]
        identifier = [Identifier(system=NHS_NUMBER, value=child.nhs_number, extension=extension)]
    name = None
    if child.given_names or child.family_name:
        name = [HumanName(use="official", family=child.family_name, given=list(child.given_names) or None)]
    address = None
    if child.address_lines or child.postcode:
        address = [Address(use="home", line=list(child.address_lines) or None, postalCode=child.postcode)]
    return Patient(
        id=resource_id,
        identifier=identifier,
        name=name,
        gender=child.sex,
        birthDate=child.birth_date,
        address=address,
    )


def _nhs_number(
    patient: Patient, path: str, issues: list[OutcomeIssue]
) -> tuple[str | None, NhsNumberVerificationStatus | None]:
    numbers: list[tuple[int, Identifier]] = []
    for index, identifier in enumerate(patient.identifier or []):
        if identifier.system in NHS_NUMBER_SYSTEMS:
            numbers.append((index, identifier))
        elif _looks_like_an_nhs_number(identifier):
            diagnostics = f"An NHS number must have the identifier system {NHS_NUMBER}"
            where = f"{path}.identifier[{index}].system"
            issues.append(_issue("value", diagnostics, SpineErrorCode.INVALID_IDENTIFIER_SYSTEM, where))
    if not numbers:
        return None, None
    if len(numbers) > 1:
        diagnostics = "The child has more than one NHS number"
        issues.append(
            _issue("business-rule", diagnostics, SpineErrorCode.TOO_MANY_VALUES_SUBMITTED, f"{path}.identifier")
        )
        return None, None
    index, identifier = numbers[0]
    where = f"{path}.identifier[{index}]"
    verification = _verification_status(identifier, where, issues)
    if identifier.value is None:
        issues.append(_issue("required", "The NHS number has no value", SpineErrorCode.MISSING_VALUE, where))
        return None, None
    try:
        return normalise_nhs_number(identifier.value), verification
    except ValueError as error:
        issues.append(_issue("value", str(error), SpineErrorCode.INVALID_NHS_NUMBER, f"{where}.value"))
        return None, None


def _looks_like_an_nhs_number(identifier: Identifier) -> bool:
    system = (identifier.system or "").lower()
    carries_verification = any(e.url in NHS_NUMBER_VERIFICATION_STATUS_EXTENSIONS for e in identifier.extension or [])
    return "nhs-number" in system or "nhsnumber" in system or system == NHS_NUMBER_OID or carries_verification


def _verification_status(
    identifier: Identifier, path: str, issues: list[OutcomeIssue]
) -> NhsNumberVerificationStatus | None:
    found = [
        (i, e) for i, e in enumerate(identifier.extension or []) if e.url in NHS_NUMBER_VERIFICATION_STATUS_EXTENSIONS
    ]
    if not found:
        return None
    if len(found) > 1:
        diagnostics = "The NHS number has more than one verification status"
        issues.append(
            _issue("business-rule", diagnostics, SpineErrorCode.TOO_MANY_VALUES_SUBMITTED, f"{path}.extension")
        )
        return None
    index, extension = found[0]
    where = f"{path}.extension[{index}].valueCodeableConcept"
    concept = extension.valueCodeableConcept
    codings = [
        c for c in (concept.coding or [] if concept else []) if c.system in NHS_NUMBER_VERIFICATION_STATUS_CODE_SYSTEMS
    ]
    if not codings:
        diagnostics = f"The verification status must be coded in {UK_CORE_NHS_NUMBER_VERIFICATION_STATUS_ENGLAND}"
        issues.append(_issue("code-invalid", diagnostics, SpineErrorCode.INVALID_CODE_SYSTEM, where))
        return None
    try:
        return NhsNumberVerificationStatus(codings[0].code or "")
    except ValueError:
        diagnostics = "The verification status code must be one of 01 to 08"
        issues.append(_issue("code-invalid", diagnostics, SpineErrorCode.INVALID_CODE_VALUE, where))
        return None


def _current_name(names: Sequence[HumanName]) -> HumanName | None:
    current = [n for n in names if n.use not in ("old", "maiden", "anonymous") and not (n.period and n.period.end)]
    for use in ("official", "usual"):
        for name in current:
            if name.use == use:
                return name
    return current[0] if current else None


def _home_address(addresses: Sequence[Address]) -> tuple[int, Address | None]:
    current = [
        (index, address)
        for index, address in enumerate(addresses)
        if address.use in (None, "home") and address.type != "postal" and not (address.period and address.period.end)
    ]
    for index, address in current:
        if address.use == "home":
            return index, address
    return current[0] if current else (-1, None)


def _texts(values: Sequence[str | None] | None) -> tuple[str, ...]:
    stripped = (value.strip() for value in values or [] if value is not None)
    return tuple(value for value in stripped if value)


def _issue(code: str, diagnostics: str, spine_code: SpineErrorCode | None, where: str) -> OutcomeIssue:
    return OutcomeIssue(code, diagnostics, spine_code, (where,))
