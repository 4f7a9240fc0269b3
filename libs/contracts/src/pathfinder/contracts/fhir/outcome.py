"""Rejections of FHIR input, reported as an OperationOutcome with NHS Spine error codes.

Diagnostics describe what is wrong and where, never the values sent: an OperationOutcome travels back to the
sender and into logs, and the input is personal data about a child. Messages from pydantic and fhir.resources
can quote input values, so they are replaced by fixed texts here rather than passed on.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Literal, TypeVar

import pydantic
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource
from pathfinder.contracts.fhir.systems import SPINE_ERROR_OR_WARNING_CODE, SPINE_ERROR_OR_WARNING_CODE_STU3

R = TypeVar("R", bound=Resource)

IssueSeverity = Literal["fatal", "error", "warning", "information"]

ISSUE_TYPES: Final = frozenset(
    {
        "invalid", "structure", "required", "value", "invariant", "security", "login", "unknown", "expired",
        "forbidden", "suppressed", "processing", "not-supported", "duplicate", "multiple-matches", "not-found",
        "deleted", "too-long", "code-invalid", "extension", "too-costly", "business-rule", "conflict", "transient",
        "lock-error", "no-store", "exception", "timeout", "incomplete", "throttled", "informational",
    }
)  # fmt: skip
"""The FHIR R4 IssueType codes (``OperationOutcome.issue.code``)."""


class SpineErrorCode(StrEnum):
    """NHS Spine error or warning codes. Each is taken from the R4 CodeSystem where that defines it, otherwise
    from the STU3 one that NEMS and GP Connect use; ``system`` says which, ``display`` gives its display text.

    One OperationOutcome never mixes the two systems (see :func:`operation_outcome`): an answer is in R4 unless
    one of its issues needs a code only STU3 defines, and then every issue of it is in STU3, an R4-only code
    giving way to its STU3 counterpart (:attr:`in_stu3`)."""

    ACCESS_DENIED = "ACCESS_DENIED"
    ADDITIONAL_PROPERTIES = "ADDITIONAL_PROPERTIES"
    BAD_REQUEST = "BAD_REQUEST"
    CONFLICTING_VALUES = "CONFLICTING_VALUES"
    DUPLICATE_REJECTED = "DUPLICATE_REJECTED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    INVALID_CODE_SYSTEM = "INVALID_CODE_SYSTEM"
    INVALID_CODE_VALUE = "INVALID_CODE_VALUE"
    INVALID_IDENTIFIER_SYSTEM = "INVALID_IDENTIFIER_SYSTEM"
    INVALID_IDENTIFIER_VALUE = "INVALID_IDENTIFIER_VALUE"
    INVALID_NHS_NUMBER = "INVALID_NHS_NUMBER"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    INVALID_RESOURCE = "INVALID_RESOURCE"
    INVALID_VALUE = "INVALID_VALUE"
    MESSAGE_NOT_WELL_FORMED = "MESSAGE_NOT_WELL_FORMED"
    MISSING_VALUE = "MISSING_VALUE"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
    REFERENCE_NOT_FOUND = "REFERENCE_NOT_FOUND"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    TOO_MANY_VALUES_SUBMITTED = "TOO_MANY_VALUES_SUBMITTED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    UNSUPPORTED_SERVICE = "UNSUPPORTED_SERVICE"
    UNSUPPORTED_VALUE = "UNSUPPORTED_VALUE"
    VALIDATION_ERROR = "VALIDATION_ERROR"

    @property
    def system(self) -> str:
        return _SPINE_CODES[self][0]

    @property
    def display(self) -> str:
        return _SPINE_CODES[self][1]

    @property
    def in_stu3(self) -> tuple[str, str]:
        """The code and display that say this in the STU3 system."""
        if self.system == _STU3:
            return self.value, self.display
        return _STU3_COUNTERPARTS[self]


_R4, _STU3 = SPINE_ERROR_OR_WARNING_CODE, SPINE_ERROR_OR_WARNING_CODE_STU3
_SPINE_CODES: Final[dict[SpineErrorCode, tuple[str, str]]] = {
    SpineErrorCode.ACCESS_DENIED: (_R4, "Access has been denied to process this request"),
    SpineErrorCode.ADDITIONAL_PROPERTIES: (_R4, "Additional properties"),
    SpineErrorCode.BAD_REQUEST: (_STU3, "Bad request"),
    SpineErrorCode.CONFLICTING_VALUES: (_STU3, "Conflicting values have been specified in different fields"),
    SpineErrorCode.DUPLICATE_REJECTED: (_STU3, "Create would lead to creation of a duplicate resource"),
    SpineErrorCode.INTERNAL_SERVER_ERROR: (_STU3, "Unexpected internal server error"),
    SpineErrorCode.INVALID_CODE_SYSTEM: (_STU3, "Invalid code system"),
    SpineErrorCode.INVALID_CODE_VALUE: (_STU3, "Invalid code value"),
    SpineErrorCode.INVALID_IDENTIFIER_SYSTEM: (_STU3, "Invalid identifier system"),
    SpineErrorCode.INVALID_IDENTIFIER_VALUE: (_STU3, "Invalid identifier value"),
    SpineErrorCode.INVALID_NHS_NUMBER: (_STU3, "Invalid NHS number"),
    SpineErrorCode.INVALID_PARAMETER: (_STU3, "Invalid parameter"),
    SpineErrorCode.INVALID_RESOURCE: (_STU3, "Invalid validation of resource"),
    SpineErrorCode.INVALID_VALUE: (_R4, "Invalid value"),
    SpineErrorCode.MESSAGE_NOT_WELL_FORMED: (_STU3, "Message not well formed"),
    SpineErrorCode.MISSING_VALUE: (_R4, "Missing value"),
    SpineErrorCode.NOT_IMPLEMENTED: (_STU3, "Not implemented"),
    SpineErrorCode.REFERENCE_NOT_FOUND: (_STU3, "Reference not found"),
    SpineErrorCode.RESOURCE_NOT_FOUND: (_R4, "Resource not found"),
    SpineErrorCode.TOO_MANY_VALUES_SUBMITTED: (_R4, "Too many values submitted"),
    SpineErrorCode.UNSUPPORTED_MEDIA_TYPE: (_STU3, "Unsupported media type"),
    SpineErrorCode.UNSUPPORTED_SERVICE: (_R4, "Unsupported service"),
    SpineErrorCode.UNSUPPORTED_VALUE: (_R4, "Unsupported value"),
    SpineErrorCode.VALIDATION_ERROR: (_R4, "Validation error"),
}
_STU3_INVALID_RESOURCE = ("INVALID_RESOURCE", "Invalid validation of resource")
_STU3_COUNTERPARTS: Final[dict[SpineErrorCode, tuple[str, str]]] = {
    SpineErrorCode.ACCESS_DENIED: ("ACCESS_DENIED", "Access has been denied to process this request"),
    SpineErrorCode.ADDITIONAL_PROPERTIES: _STU3_INVALID_RESOURCE,
    SpineErrorCode.INVALID_VALUE: _STU3_INVALID_RESOURCE,
    SpineErrorCode.MISSING_VALUE: _STU3_INVALID_RESOURCE,
    SpineErrorCode.RESOURCE_NOT_FOUND: ("NO_RECORD_FOUND", "No record found"),
    SpineErrorCode.TOO_MANY_VALUES_SUBMITTED: _STU3_INVALID_RESOURCE,
    SpineErrorCode.UNSUPPORTED_SERVICE: ("NOT_IMPLEMENTED", "Not implemented"),
    SpineErrorCode.UNSUPPORTED_VALUE: ("INVALID_CODE_VALUE", "Invalid code value"),
    SpineErrorCode.VALIDATION_ERROR: _STU3_INVALID_RESOURCE,
}


@dataclass(frozen=True)
class OutcomeIssue:
    """One problem found in FHIR input: an ``OperationOutcome.issue``."""

    code: str
    """FHIR IssueType, e.g. ``invalid``, ``required``, ``value``, ``business-rule``."""
    diagnostics: str
    """What is wrong, for the sender's integrators. Never contains input values."""
    spine_code: SpineErrorCode | None = None
    expression: tuple[str, ...] = ()
    """FHIRPath locations, e.g. ``Bundle.entry[2].resource.identifier[0].value``."""
    severity: IssueSeverity = "error"

    def __post_init__(self) -> None:
        if self.code not in ISSUE_TYPES:
            raise ValueError(f"Not a FHIR IssueType code: {self.code!r}")
        if self.severity not in ("fatal", "error", "warning", "information"):
            raise ValueError(f"Not a FHIR IssueSeverity code: {self.severity!r}")
        if not self.diagnostics.strip():
            raise ValueError("An issue needs diagnostics")


def operation_outcome(issues: Sequence[OutcomeIssue]) -> dict[str, Any]:
    """The issues as an R4 OperationOutcome in FHIR JSON, every Spine code in one CodeSystem."""
    stu3 = any(issue.spine_code is not None and issue.spine_code.system == _STU3 for issue in issues)
    document = {"resourceType": "OperationOutcome", "issue": [_issue(issue, stu3=stu3) for issue in issues]}
    return OperationOutcome.model_validate(document).model_dump(mode="json")


def _issue(issue: OutcomeIssue, *, stu3: bool) -> dict[str, Any]:
    element: dict[str, Any] = {"severity": issue.severity, "code": issue.code, "diagnostics": issue.diagnostics}
    if issue.spine_code is not None:
        system, (code, display) = (
            (_STU3, issue.spine_code.in_stu3) if stu3 else (_R4, (issue.spine_code.value, issue.spine_code.display))
        )
        element["details"] = {"coding": [{"system": system, "code": code, "display": display}]}
    if issue.expression:
        element["expression"] = list(issue.expression)
    return element


class FhirInputRejected(ValueError):
    """FHIR input the platform will not accept, with every problem found as an ``OutcomeIssue``."""

    issues: tuple[OutcomeIssue, ...]

    def __init__(self, issues: Sequence[OutcomeIssue]) -> None:
        if not issues:
            raise ValueError("A rejection needs at least one issue")
        self.issues = tuple(issues)
        super().__init__("; ".join(issue.diagnostics for issue in self.issues))

    def operation_outcome(self) -> dict[str, Any]:
        """The rejection as an R4 OperationOutcome in FHIR JSON."""
        return operation_outcome(self.issues)


def parse_resource(document: object, expected: type[R], *, root: str | None = None) -> R:
    """``document`` (parsed JSON) validated as the R4 resource ``expected``; FhirInputRejected otherwise.

    ``root`` is the FHIRPath of the document in the expressions of issues, by default its resource type.
    """
    resource_type = expected.get_resource_type()
    path = root or resource_type
    if not isinstance(document, dict):
        raise _rejected("structure", "A FHIR resource must be a JSON object", SpineErrorCode.MESSAGE_NOT_WELL_FORMED)
    if "resourceType" not in document:
        raise _rejected("required", "resourceType is missing", SpineErrorCode.MISSING_VALUE, f"{path}.resourceType")
    if document["resourceType"] != resource_type:
        diagnostics = f"Expected a {resource_type} resource"
        raise _rejected("invalid", diagnostics, SpineErrorCode.INVALID_RESOURCE, f"{path}.resourceType")
    try:
        return expected.model_validate(document)
    except pydantic.ValidationError as error:
        raise FhirInputRejected(issues_from_validation_error(error, root=path)) from None
    except Exception:
        # On some malformed input fhir.resources fails with whatever its code hits (KeyError for an unknown
        # resourceType in Bundle.entry, AttributeError for a number where a url belongs...), not ValidationError.
        diagnostics = f"Not a valid FHIR R4 {resource_type}"
        raise _rejected("invalid", diagnostics, SpineErrorCode.INVALID_RESOURCE, path) from None


def _rejected(code: str, diagnostics: str, spine_code: SpineErrorCode, *expression: str) -> FhirInputRejected:
    return FhirInputRejected([OutcomeIssue(code, diagnostics, spine_code, expression)])


def issues_from_validation_error(error: pydantic.ValidationError, *, root: str) -> list[OutcomeIssue]:
    """One issue per distinct problem, located by FHIRPath under ``root``, with fixed, value-free texts."""
    issues: list[OutcomeIssue] = []
    for detail in error.errors(include_input=False, include_url=False):
        kind = detail["type"]
        location = list(detail["loc"])
        if kind == "extra_forbidden":
            location = location[:-1]  # the unknown name was chosen by the sender: do not echo it
        code, spine_code, diagnostics = _describe(kind, detail.get("ctx") or {})
        issue = OutcomeIssue(code, diagnostics, spine_code, (_fhirpath(root, location),))
        if issue not in issues:
            issues.append(issue)
    if not issues:
        issues.append(OutcomeIssue("invalid", "The resource is not valid FHIR R4", SpineErrorCode.INVALID_RESOURCE))
    return issues


def _fhirpath(root: str, location: Sequence[int | str]) -> str:
    path = root
    for step in location:
        if isinstance(step, int):
            path += f"[{step}]"
        elif step == "resource_type":
            path += ".resourceType"
        elif _is_element_name(step):
            path += "." + step.removeprefix("_")
    return path


def _is_element_name(step: str) -> bool:
    name = step.removeprefix("_")
    return name[:1].isascii() and name[:1].isalpha() and name.isascii() and name.isalnum()


_JSON_TYPES: Final = {
    "string_type": "a string",
    "list_type": "an array",
    "tuple_type": "an array",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "bool_type": "a boolean",
    "int_type": "an integer",
    "float_type": "a number",
    "decimal_type": "a number",
}

_FORMAT_PROBLEMS: Final = (
    ("does not match spec regex", "Value does not have the format of its FHIR data type"),
    ("timezone aware", "A date-time with a time must have a time zone"),
    ("does not parse to datetime", "Value is not a valid instant"),
    ("but got multiple", "Only one of the alternative value[x] elements may be present"),
    ("Expect any of field value", "One of the alternative value[x] elements is required"),
)


def _describe(kind: str, ctx: dict[str, Any]) -> tuple[str, SpineErrorCode, str]:
    """IssueType, Spine code and diagnostics for a pydantic error type. Only schema facts are quoted."""
    if kind in ("missing", "model_field_validation.missing"):
        return "required", SpineErrorCode.MISSING_VALUE, "Required element is missing"
    if kind == "extra_forbidden":
        return "structure", SpineErrorCode.ADDITIONAL_PROPERTIES, "Contains an element not defined in FHIR R4 here"
    if kind in _JSON_TYPES:
        return "structure", SpineErrorCode.INVALID_RESOURCE, f"Must be {_JSON_TYPES[kind]}"
    if kind in ("literal_error", "enum"):
        return "code-invalid", SpineErrorCode.INVALID_CODE_VALUE, f"Must be one of {ctx.get('expected', 'the codes')}"
    if kind in ("fhir-validation-wrong-resource-type", "model_validation_format"):
        return "invalid", SpineErrorCode.INVALID_RESOURCE, "A resource of another type is expected here"
    if kind == "json_invalid":
        return "structure", SpineErrorCode.MESSAGE_NOT_WELL_FORMED, "Embedded JSON text is not well formed"
    if kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", ""))
        for fragment, diagnostics in _FORMAT_PROBLEMS:
            if fragment in message:
                return "value", SpineErrorCode.INVALID_VALUE, diagnostics
        return "value", SpineErrorCode.INVALID_VALUE, "Value is not valid for this element"
    if kind.startswith(("string_", "too_", "url_", "date", "time", "int_", "float_", "decimal_", "bool_")):
        return "value", SpineErrorCode.INVALID_VALUE, "Value does not have the format of its FHIR data type"
    return "invalid", SpineErrorCode.INVALID_RESOURCE, "Element is not valid FHIR R4"
