"""Where in a submitted notification each s23 fact sits, as FHIRPath, for the ``expression`` of an
OperationOutcome issue about it: in a message Bundle the Communication is an entry, in a bare Communication it is
the resource itself."""

from __future__ import annotations

from typing import Literal

from pathfinder.contracts.fhir.systems import DISCUSSION_OFFERED_DATE, OPINION_FORMED_DATE, PARENT_INFORMED_DATE
from pathfinder.contracts.notifications import NotificationRejectionReason as Reason
from pathfinder.notifications.domain.section_23 import DatedStep

Submitted = Literal["fhir-message", "fhir-communication"]

_DATE_ELEMENTS = {
    DatedStep.SENT: "sent",
    DatedStep.OPINION_FORMED: f"extension('{OPINION_FORMED_DATE}')",
    DatedStep.PARENT_INFORMED: f"extension('{PARENT_INFORMED_DATE}')",
    DatedStep.DISCUSSION_OFFERED: f"extension('{DISCUSSION_OFFERED_DATE}')",
}


def communication_path(submitted: Submitted) -> str:
    return "Bundle.entry.resource.ofType(Communication)" if submitted == "fhir-message" else "Communication"


def patient_path(submitted: Submitted) -> str:
    if submitted == "fhir-message":
        return "Bundle.entry.resource.ofType(Patient)"
    return "Communication.contained.ofType(Patient)"


def date_path(submitted: Submitted, step: DatedStep) -> str:
    return f"{communication_path(submitted)}.{_DATE_ELEMENTS[step]}"


def reason_paths(submitted: Submitted, reason: Reason) -> tuple[str, ...]:
    """The elements a statutory reason is about."""
    communication = communication_path(submitted)
    if reason is Reason.NOT_UNDER_COMPULSORY_SCHOOL_AGE:
        return (date_path(submitted, DatedStep.OPINION_FORMED), f"{patient_path(submitted)}.birthDate")
    if reason is Reason.PARENT_NOT_INFORMED:
        return (date_path(submitted, DatedStep.PARENT_INFORMED),)
    if reason is Reason.DISCUSSION_NOT_OFFERED:
        return (date_path(submitted, DatedStep.DISCUSSION_OFFERED),)
    if reason is Reason.STATUTORY_ORDER_NOT_FOLLOWED:
        return tuple(date_path(submitted, step) for step in DatedStep)
    if reason is Reason.RESPONSIBLE_LA_UNKNOWN:
        return (f"{communication}.recipient", f"{patient_path(submitted)}.address.postalCode")
    return (f"{communication}.sender",)
