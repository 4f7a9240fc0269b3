"""Early-years notifications (Children and Families Act 2014, s23) as NHS trusts send them in FHIR R4.

Two shapes are accepted:

* a FHIR message, as NEMS birth notifications: a ``Bundle`` of type ``message`` whose first entry is a
  ``MessageHeader`` with event ``MESSAGE_EVENT#early-years-send-notification`` and ``focus`` on the
  ``Communication``; the child ``Patient``, the sending ``Organization`` (with its ODS code) and optionally the
  recipient LA's ``Organization`` (with its DfE LA code) are further entries;
* a bare ``Communication``, the child a contained ``Patient``, sender and recipient contained Organizations or
  logical references by identifier.

The ``Communication`` is the notification: ``sent`` is when it was made, ``reasonCode`` why, and the s23 facts
are extensions (see ``systems``). The mapping only reads and checks the data; whether the statutory steps
were taken, and in order, is for the service to judge.
"""

from datetime import date
from typing import Annotated, Any, Final, Literal
from uuid import NAMESPACE_URL, uuid5

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.messageheader import MessageHeader, MessageHeaderSource
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from pathfinder.contracts.base import LaCode, OdsCode
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics, child_patient
from pathfinder.contracts.fhir.early_years_reader import NotificationReader, ReasonCoding, issue, resolve
from pathfinder.contracts.fhir.outcome import FhirInputRejected, OutcomeIssue, SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.systems import (
    CANONICAL_BASE,
    COMMUNICATION_CATEGORY,
    DFE_LA_CODE,
    DISCUSSION_OFFERED_DATE,
    EARLY_YEARS_NOTIFICATION_EVENT,
    MESSAGE_EVENT,
    ODS_ORGANIZATION_CODE,
    OPINION_FORMED_DATE,
    PARENT_INFORMED_DATE,
    VOLUNTARY_ORGANISATIONS_SIGNPOSTED,
)
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "EarlyYearsNotificationSubmission",
    "ReasonCoding",
    "early_years_communication",
    "early_years_message_bundle",
    "parse_early_years_notification",
]

MessageId = Annotated[str, StringConstraints(min_length=1, max_length=256)]
SubmissionFormat = Literal["fhir-message", "fhir-communication"]
_FULL_URL_NAMESPACE: Final = uuid5(NAMESPACE_URL, CANONICAL_BASE)


class EarlyYearsNotificationSubmission(BaseModel):
    """An s23 notification as an NHS body submitted it, ready to become a platform command."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    message_id: MessageId = Field(description="The sender's id of the message or Communication: its idempotency key")
    submission_format: SubmissionFormat
    notifying_organisation: OdsCode
    responsible_la: LaCode | None = Field(
        default=None, description="The LA the sender addressed; None: to be derived from the child's postcode"
    )
    opinion_formed_on: date = Field(description="s23(1): the NHS body formed its opinion")
    parent_informed_on: date | None = Field(default=None, description="s23(2)(a)")
    discussion_offered_on: date | None = Field(default=None, description="s23(2)(b)")
    voluntary_organisations_signposted: bool | None = Field(default=None, description="s23(2)(d)")
    sent_at: AwareDatetime = Field(description="When the NHS body sent the notification (Communication.sent)")
    reason_codes: tuple[ReasonCoding, ...] = Field(default=(), repr=False, description="Kept; never put into events")
    child: ChildDemographics


def parse_early_years_notification(document: object) -> EarlyYearsNotificationSubmission:
    """The notification in ``document`` (parsed JSON): a message Bundle or a bare Communication.

    Raises FhirInputRejected, whose OperationOutcome locates every problem found, for anything else.
    """
    resource_type = document.get("resourceType") if isinstance(document, dict) else None
    if resource_type == "Bundle":
        return _from_message(parse_resource(document, Bundle))
    if resource_type == "Communication":
        communication = parse_resource(document, Communication)
        identifiers = (identifier.value.strip() for identifier in communication.identifier or [] if identifier.value)
        message_id = next((value for value in identifiers if value), None) or communication.id
        return _submission(communication, "Communication", message_id, "fhir-communication", [])
    diagnostics = "An early-years notification is a FHIR message Bundle or a Communication"
    raise FhirInputRejected([OutcomeIssue("not-supported", diagnostics, SpineErrorCode.INVALID_RESOURCE)])


def _from_message(bundle: Bundle) -> EarlyYearsNotificationSubmission:
    if bundle.type != "message":
        raise _rejected("value", "Bundle.type must be message", SpineErrorCode.INVALID_VALUE, "Bundle.type")
    entries = bundle.entry or []
    header = entries[0].resource if entries else None
    if not isinstance(header, MessageHeader):
        diagnostics = "The first entry of a message Bundle must be a MessageHeader"
        raise _rejected("structure", diagnostics, SpineErrorCode.INVALID_RESOURCE, "Bundle.entry[0]")
    path = "Bundle.entry[0].resource"
    if header.modifierExtension:
        raise _rejected("extension", "Modifier extensions are not supported", None, f"{path}.modifierExtension")
    event = header.eventCoding
    if event is None or event.system != MESSAGE_EVENT or event.code != EARLY_YEARS_NOTIFICATION_EVENT:
        diagnostics = f"The message event must be {EARLY_YEARS_NOTIFICATION_EVENT} from {MESSAGE_EVENT}"
        raise _rejected("not-supported", diagnostics, SpineErrorCode.UNSUPPORTED_VALUE, f"{path}.event")
    focus = header.focus or []
    if len(focus) != 1:
        diagnostics = "The MessageHeader must have one focus: the Communication"
        spine_code = SpineErrorCode.TOO_MANY_VALUES_SUBMITTED if focus else SpineErrorCode.MISSING_VALUE
        raise _rejected("invalid", diagnostics, spine_code, f"{path}.focus")
    located = resolve(focus[0], header, path, entries)
    if located is None:
        diagnostics = "The focus does not refer to an entry of the Bundle"
        raise _rejected("not-found", diagnostics, SpineErrorCode.REFERENCE_NOT_FOUND, f"{path}.focus[0]")
    communication, communication_path = located
    if not isinstance(communication, Communication):
        diagnostics = "The focus must be the Communication of the notification"
        raise _rejected("invalid", diagnostics, SpineErrorCode.INVALID_RESOURCE, f"{path}.focus[0]")
    return _submission(communication, communication_path, header.id or bundle.id, "fhir-message", entries)


def _submission(
    communication: Communication,
    path: str,
    message_id: str | None,
    submission_format: SubmissionFormat,
    entries: list[BundleEntry],
) -> EarlyYearsNotificationSubmission:
    reader = NotificationReader(communication, path, entries)
    issues = reader.issues
    if message_id is None or len(message_id) > 256:
        where = f"{path}.identifier" if submission_format == "fhir-communication" else "Bundle.entry[0].resource.id"
        diagnostics = "An id of at most 256 characters is required"
        issues.append(issue("required", diagnostics, SpineErrorCode.MISSING_VALUE, where))
    if communication.modifierExtension:
        issues.append(issue("extension", "Modifier extensions are not supported", None, f"{path}.modifierExtension"))
    if communication.status != "completed":
        diagnostics = "Communication.status must be completed: the notification has been made"
        issues.append(issue("business-rule", diagnostics, SpineErrorCode.UNSUPPORTED_VALUE, f"{path}.status"))
    sent_at = reader.sent_at()
    opinion_formed_on = reader.date_extension(OPINION_FORMED_DATE, required=True)
    parent_informed_on = reader.date_extension(PARENT_INFORMED_DATE)
    discussion_offered_on = reader.date_extension(DISCUSSION_OFFERED_DATE)
    signposted = reader.boolean_extension(VOLUNTARY_ORGANISATIONS_SIGNPOSTED)
    notifying_organisation = reader.notifying_organisation()
    responsible_la = reader.responsible_la()
    reason_codes = reader.reason_codes()
    child = reader.child()
    if (
        issues
        or message_id is None
        or sent_at is None
        or opinion_formed_on is None
        or notifying_organisation is None
        or child is None
    ):
        raise FhirInputRejected(issues)
    return EarlyYearsNotificationSubmission(
        message_id=message_id,
        submission_format=submission_format,
        notifying_organisation=notifying_organisation,
        responsible_la=responsible_la,
        opinion_formed_on=opinion_formed_on,
        parent_informed_on=parent_informed_on,
        discussion_offered_on=discussion_offered_on,
        voluntary_organisations_signposted=signposted,
        sent_at=sent_at,
        reason_codes=reason_codes,
        child=child,
    )


def _rejected(code: str, diagnostics: str, spine_code: SpineErrorCode | None, where: str) -> FhirInputRejected:
    return FhirInputRejected([issue(code, diagnostics, spine_code, where)])


def early_years_message_bundle(
    submission: EarlyYearsNotificationSubmission, *, bundle_id: str, source_endpoint: str | None = None
) -> dict[str, Any]:
    """The notification as the FHIR message Bundle (FHIR JSON) a trust's system sends.

    ``submission.message_id`` becomes the MessageHeader id, so it must be a FHIR id. Entries get ``urn:uuid``
    full URLs derived from ``bundle_id``. ``source_endpoint`` defaults to the sender's ODS addressing URN.
    """

    def full_url(role: str) -> str:
        return f"urn:uuid:{uuid5(_FULL_URL_NAMESPACE, f'{bundle_id}/{role}')}"

    ods_code = submission.notifying_organisation
    sender = Reference(reference=full_url("sender"))
    communication = _communication(
        submission,
        subject=Reference(reference=full_url("child")),
        sender=sender,
        recipient=Reference(reference=full_url("recipient")) if submission.responsible_la else None,
    )
    header = MessageHeader(
        id=submission.message_id,
        eventCoding=Coding(system=MESSAGE_EVENT, code=EARLY_YEARS_NOTIFICATION_EVENT),
        source=MessageHeaderSource(endpoint=source_endpoint or f"urn:nhs-uk:addressing:ods:{ods_code}"),
        sender=sender,
        focus=[Reference(reference=full_url("notification"))],
    )
    resources: list[tuple[str, Resource]] = [
        (full_url("header"), header),
        (full_url("notification"), communication),
        (full_url("child"), child_patient(submission.child)),
        (full_url("sender"), Organization(identifier=[Identifier(system=ODS_ORGANIZATION_CODE, value=ods_code)])),
    ]
    if submission.responsible_la:
        la = Organization(identifier=[Identifier(system=DFE_LA_CODE, value=submission.responsible_la)])
        resources.append((full_url("recipient"), la))
    entries = [BundleEntry(fullUrl=url, resource=resource) for url, resource in resources]
    bundle = Bundle(id=bundle_id, type="message", timestamp=submission.sent_at, entry=entries)
    return bundle.model_dump(mode="json")


def early_years_communication(
    submission: EarlyYearsNotificationSubmission, *, identifier_system: str | None = None
) -> dict[str, Any]:
    """The notification as a bare Communication (FHIR JSON): the child contained, sender and recipient named by
    their ODS and DfE LA codes, ``submission.message_id`` the identifier (in ``identifier_system``)."""
    recipient = None
    if submission.responsible_la:
        recipient = Reference(identifier=Identifier(system=DFE_LA_CODE, value=submission.responsible_la))
    communication = _communication(
        submission,
        subject=Reference(reference="#child"),
        sender=Reference(identifier=Identifier(system=ODS_ORGANIZATION_CODE, value=submission.notifying_organisation)),
        recipient=recipient,
        contained=[child_patient(submission.child, resource_id="child")],
        identifier=[Identifier(system=identifier_system, value=submission.message_id)],
    )
    return communication.model_dump(mode="json")


def _communication(
    submission: EarlyYearsNotificationSubmission,
    *,
    subject: Reference,
    sender: Reference,
    recipient: Reference | None,
    contained: list[Resource] | None = None,
    identifier: list[Identifier] | None = None,
) -> Communication:
    extension = [Extension(url=OPINION_FORMED_DATE, valueDate=submission.opinion_formed_on)]
    if submission.parent_informed_on is not None:
        extension.append(Extension(url=PARENT_INFORMED_DATE, valueDate=submission.parent_informed_on))
    if submission.discussion_offered_on is not None:
        extension.append(Extension(url=DISCUSSION_OFFERED_DATE, valueDate=submission.discussion_offered_on))
    if submission.voluntary_organisations_signposted is not None:
        signposted = submission.voluntary_organisations_signposted
        extension.append(Extension(url=VOLUNTARY_ORGANISATIONS_SIGNPOSTED, valueBoolean=signposted))
    notification = Coding(system=COMMUNICATION_CATEGORY, code="notification", display="Notification")
    reasons = [
        CodeableConcept(coding=[Coding(system=reason.system, code=reason.code, display=reason.display)])
        for reason in submission.reason_codes
    ]
    return Communication(
        contained=contained,
        extension=extension,
        identifier=identifier,
        status="completed",
        category=[CodeableConcept(coding=[notification])],
        subject=subject,
        sent=submission.sent_at,
        recipient=[recipient] if recipient else None,
        sender=sender,
        reasonCode=reasons or None,
    )
