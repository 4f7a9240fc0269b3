"""Reading FHIR input: every problem found is collected, so that the sender learns all of them at once, and
reported as OperationOutcome issues that never repeat the input's values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=Resource)
_LONDON: Final = ZoneInfo("Europe/London")


def organisation(system: str, code: str) -> Reference:
    """An LA (``DFE_LA_CODE``) or NHS body (``ODS_ORGANIZATION_CODE``) by identifier."""
    return Reference(type="Organization", identifier=Identifier(system=system, value=code))


class FoundIssues:
    """Problems found while reading FHIR input, collected so that the sender learns all of them at once."""

    def __init__(self) -> None:
        self.issues: list[OutcomeIssue] = []

    def add(self, expression: str, diagnostics: str, code: str = "value", spine: SpineErrorCode | None = None) -> None:
        spine = spine or _SPINE_CODES.get(code, SpineErrorCode.INVALID_VALUE)
        self.issues.append(OutcomeIssue(code, diagnostics, spine, (expression,)))

    def conflict(self, expression: str, diagnostics: str) -> None:
        self.add(expression, diagnostics, "invariant", SpineErrorCode.CONFLICTING_VALUES)

    def same(self, expression: str, expected: object, value: object) -> None:
        if expected is not None and value is not None and value != expected:
            self.conflict(expression, "Does not agree with the ServiceRequest")

    def raise_any(self) -> None:
        if self.issues:
            raise FhirInputRejected(self.issues)

    def model(self, model: type[M], fields: dict[str, object], paths: dict[str, str], root: str) -> M:
        """The model from the values read; the issues found so far and any the model adds are raised together."""
        self.raise_any()
        try:
            return model.model_validate(fields)
        except ValidationError as error:
            for detail in error.errors(include_input=False, include_url=False):
                field = str(detail["loc"][0]) if detail["loc"] else ""
                reason = detail.get("ctx", {}).get("error") if detail["type"] == "value_error" else None
                self.add(paths.get(field, root), str(reason or "Value does not have the expected format"))
            raise FhirInputRejected(self.issues) from None


_SPINE_CODES: Final = {
    "required": SpineErrorCode.MISSING_VALUE,
    "code-invalid": SpineErrorCode.INVALID_CODE_VALUE,
    "not-supported": SpineErrorCode.NOT_IMPLEMENTED,
}


def codes_in(concepts: Sequence[CodeableConcept | None] | None, system: str) -> list[str | None]:
    return [
        coding.code
        for concept in concepts or []
        if concept
        for coding in concept.coding or []
        if coding.system == system
    ]


def london_date(value: object, expression: str, found: FoundIssues) -> date | None:
    """A FHIR date or dateTime as a Europe/London calendar date; None, with an issue, otherwise."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(_LONDON).date()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    found.add(expression, "A full date is required", "value" if value else "required")
    return None


def read_uuid(value: str | None, expression: str, found: FoundIssues) -> UUID | None:
    try:
        return UUID(value or "")
    except ValueError:
        found.add(expression, "Must be a platform id (a UUID)", spine=SpineErrorCode.INVALID_IDENTIFIER_VALUE)
        return None


def read_identifier(reference: Reference | None, expression: str, system: str, found: FoundIssues) -> str | None:
    """The value of the ``system`` identifier of a logical reference (an LA or an NHS body)."""
    identifier = reference.identifier if reference else None
    if identifier is None or identifier.system != system or not identifier.value:
        found.add(f"{expression}.identifier", f"An identifier of {system} is required", "required")
        return None
    return identifier.value
