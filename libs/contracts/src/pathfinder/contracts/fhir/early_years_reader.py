"""Reading the parts of an early-years notification ``Communication``: the child, the sender and recipient,
the s23 extensions and the reasons, each problem collected as an ``OutcomeIssue`` located by FHIRPath."""

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from fhir.resources.R4B.bundle import BundleEntry
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics, child_demographics
from pathfinder.contracts.fhir.outcome import OutcomeIssue, SpineErrorCode
from pathfinder.contracts.fhir.systems import DFE_LA_CODE, ODS_ORGANIZATION_CODE
from pydantic import BaseModel, ConfigDict

_ODS_CODE: Final = re.compile(r"[A-Z0-9]{3,10}")
_LA_CODE: Final = re.compile(r"[0-9]{3}")


class ReasonCoding(BaseModel):
    """A coded reason for the notification (``Communication.reasonCode``), e.g. a SNOMED CT finding."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    system: str
    code: str
    display: str | None = None


def issue(code: str, diagnostics: str, spine_code: SpineErrorCode | None, where: str) -> OutcomeIssue:
    return OutcomeIssue(code, diagnostics, spine_code, (where,))


def resolve(
    reference: Reference, holder: DomainResource, path: str, entries: Sequence[BundleEntry]
) -> tuple[Resource, str] | None:
    """The resource ``reference`` names, with its FHIRPath: contained in ``holder`` (found at ``path``), or an
    entry of the Bundle, by ``fullUrl`` or by type and id."""
    target = reference.reference
    if target is None:
        return None
    if target.startswith("#"):
        for index, contained in enumerate(holder.contained or []):
            if contained.id == target[1:]:
                return contained, f"{path}.contained[{index}]"
        return None
    for index, entry in enumerate(entries):
        resource = entry.resource
        if resource is None:
            continue
        full_url = entry.fullUrl or ""
        by_type_and_id = resource.id is not None and target == f"{resource.get_resource_type()}/{resource.id}"
        if target == full_url or by_type_and_id or full_url.endswith(f"/{target}"):
            return resource, f"Bundle.entry[{index}].resource"
    return None


class NotificationReader:
    """Reads one notification ``Communication`` found at FHIRPath ``path`` (with the entries of its Bundle, if
    any), appending every problem to ``issues``; a reader method returns None for a part it cannot accept."""

    def __init__(self, communication: Communication, path: str, entries: Sequence[BundleEntry]) -> None:
        self.communication = communication
        self.path = path
        self.entries = entries
        self.issues: list[OutcomeIssue] = []

    def sent_at(self) -> datetime | None:
        sent = self.communication.sent
        if isinstance(sent, datetime) and sent.tzinfo is not None:
            return sent
        if sent is None:
            diagnostics = "Communication.sent (when the notification was made) is required"
            self.issues.append(issue("required", diagnostics, SpineErrorCode.MISSING_VALUE, f"{self.path}.sent"))
            return None
        diagnostics = "Communication.sent must be a date-time with a time zone"
        self.issues.append(issue("value", diagnostics, SpineErrorCode.INVALID_VALUE, f"{self.path}.sent"))
        return None

    def child(self) -> ChildDemographics | None:
        where = f"{self.path}.subject"
        subject = self.communication.subject
        if subject is None:
            diagnostics = "The subject (the child) is required"
            self.issues.append(issue("required", diagnostics, SpineErrorCode.MISSING_VALUE, where))
            return None
        located = resolve(subject, self.communication, self.path, self.entries)
        if located is None:
            diagnostics = "The subject must refer to a Patient in the message or contained in the Communication"
            self.issues.append(issue("not-found", diagnostics, SpineErrorCode.REFERENCE_NOT_FOUND, where))
            return None
        patient, patient_path = located
        if not isinstance(patient, Patient):
            self.issues.append(
                issue("invalid", "The subject must be a Patient", SpineErrorCode.INVALID_RESOURCE, where)
            )
            return None
        return child_demographics(patient, patient_path, self.issues)

    def notifying_organisation(self) -> str | None:
        """The ODS code of the sender."""
        where = f"{self.path}.sender"
        found_before = len(self.issues)
        codes = self._codes(self.communication.sender, where, ODS_ORGANIZATION_CODE, _ODS_CODE, "ODS code")
        if len(self.issues) > found_before:
            return None
        if len(codes) != 1:
            diagnostics = f"The sender must be one Organization identified by its ODS code ({ODS_ORGANIZATION_CODE})"
            self.issues.append(issue("required", diagnostics, SpineErrorCode.MISSING_VALUE, where))
            return None
        return codes.pop()

    def responsible_la(self) -> str | None:
        """The DfE code of the LA the notification is addressed to, if the sender named one."""
        codes: set[str] = set()
        for index, recipient in enumerate(self.communication.recipient or []):
            codes |= self._codes(recipient, f"{self.path}.recipient[{index}]", DFE_LA_CODE, _LA_CODE, "DfE LA code")
        if len(codes) > 1:
            diagnostics = "At most one recipient local authority may be named"
            where = f"{self.path}.recipient"
            self.issues.append(issue("business-rule", diagnostics, SpineErrorCode.TOO_MANY_VALUES_SUBMITTED, where))
            return None
        return next(iter(codes), None)

    def date_extension(self, url: str, *, required: bool = False) -> date | None:
        found = self._extension(url)
        if found is None:
            if required and not any(extension.url == url for extension in self.communication.extension or []):
                diagnostics = f"The extension {url} is required"
                where = f"{self.path}.extension('{url}')"
                self.issues.append(issue("required", diagnostics, SpineErrorCode.MISSING_VALUE, where))
            return None
        extension, where = found
        value = extension.valueDate
        if not isinstance(value, date):
            diagnostics = "The extension must have a valueDate with a full date"
            self.issues.append(issue("value", diagnostics, SpineErrorCode.INVALID_VALUE, where))
            return None
        return value

    def boolean_extension(self, url: str) -> bool | None:
        found = self._extension(url)
        if found is None:
            return None
        extension, where = found
        if extension.valueBoolean is None:
            diagnostics = "The extension must have a valueBoolean"
            self.issues.append(issue("value", diagnostics, SpineErrorCode.INVALID_VALUE, where))
        return extension.valueBoolean

    def reason_codes(self) -> tuple[ReasonCoding, ...]:
        reasons: list[ReasonCoding] = []
        for i, concept in enumerate(self.communication.reasonCode or []):
            for j, coding in enumerate(concept.coding or []):
                if coding.system and coding.code:
                    reasons.append(ReasonCoding(system=coding.system, code=coding.code, display=coding.display))
                else:
                    diagnostics = "A reason coding needs a system and a code"
                    where = f"{self.path}.reasonCode[{i}].coding[{j}]"
                    self.issues.append(issue("code-invalid", diagnostics, SpineErrorCode.INVALID_CODE_VALUE, where))
        return tuple(reasons)

    def _extension(self, url: str) -> tuple[Extension, str] | None:
        found = [
            (i, extension) for i, extension in enumerate(self.communication.extension or []) if extension.url == url
        ]
        if len(found) > 1:
            diagnostics = "The extension may appear only once"
            where = f"{self.path}.extension('{url}')"
            self.issues.append(issue("business-rule", diagnostics, SpineErrorCode.TOO_MANY_VALUES_SUBMITTED, where))
            return None
        return (found[0][1], f"{self.path}.extension[{found[0][0]}]") if found else None

    def _codes(
        self, reference: Reference | None, where: str, system: str, pattern: re.Pattern[str], name: str
    ) -> set[str]:
        """The codes in ``system`` identifying the Organization that ``reference`` (at ``where``) names: the
        identifier of a logical reference, or those of the contained or Bundle resource it refers to."""
        if reference is None:
            return set()
        if reference.reference is None:
            identifiers = [(reference.identifier, f"{where}.identifier")] if reference.identifier is not None else []
        else:
            located = resolve(reference, self.communication, self.path, self.entries)
            if located is None:
                diagnostics = "The reference does not resolve to an entry of the message or a contained resource"
                self.issues.append(issue("not-found", diagnostics, SpineErrorCode.REFERENCE_NOT_FOUND, where))
                return set()
            resource, resource_path = located
            owned: list[Identifier] = resource.identifier or [] if isinstance(resource, Organization) else []
            identifiers = [(identifier, f"{resource_path}.identifier[{i}]") for i, identifier in enumerate(owned)]
        codes: set[str] = set()
        for identifier, identifier_path in identifiers:
            if identifier.system != system:
                continue
            code = (identifier.value or "").strip().upper()
            if pattern.fullmatch(code) is None:
                diagnostics = f"Not a valid {name}"
                where_value = f"{identifier_path}.value"
                self.issues.append(issue("value", diagnostics, SpineErrorCode.INVALID_IDENTIFIER_VALUE, where_value))
            else:
                codes.add(code)
        return codes
