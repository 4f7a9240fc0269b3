"""Identifier systems, CodeSystems and extension URLs used in the platform's FHIR R4 (UK Core) mappings.

National URLs are the ones NHS England and HL7 UK publish. Where no national standard exists (the DfE local
authority code, the s23 early-years notification), the platform defines its own under ``CANONICAL_BASE``.
"""

from typing import Final

CANONICAL_BASE: Final = "https://fhir.pathfinder-send.org"

# Identifier systems
NHS_NUMBER: Final = "https://fhir.nhs.uk/Id/nhs-number"
"""NHS number (FHIR R4, UK Core). The only NHS number system the platform emits."""
NHS_NUMBER_LEGACY: Final = "http://fhir.nhs.net/Id/nhs-number"
"""NHS number in older (DSTU2/STU3) national specifications: accepted inbound, never emitted."""
NHS_NUMBER_SYSTEMS: Final = frozenset({NHS_NUMBER, NHS_NUMBER_LEGACY})
NHS_NUMBER_OID: Final = "urn:oid:2.16.840.1.113883.2.1.4.1"
"""The NHS number as an HL7 v3 OID. Not accepted as a FHIR identifier system: senders are told to use
``NHS_NUMBER`` instead of having their NHS number silently ignored."""
ODS_ORGANIZATION_CODE: Final = "https://fhir.nhs.uk/Id/ods-organization-code"
"""Organisation Data Service code of an NHS body, e.g. RH8 (Royal Devon)."""
DFE_LA_CODE: Final = f"{CANONICAL_BASE}/Id/dfe-la-code"
"""The DfE 3-digit local authority code, e.g. 841 (Darlington). No national FHIR system exists for it."""

# NHS number verification (trace) status, an extension on Patient.identifier
UK_CORE_NHS_NUMBER_VERIFICATION_STATUS: Final = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
UK_CORE_NHS_NUMBER_VERIFICATION_STATUS_ENGLAND: Final = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS: Final = (
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1"
)
CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES: Final = (
    "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1"
)
GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS: Final = (
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1"
)
GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES: Final = (
    "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1"
)
NHS_NUMBER_VERIFICATION_STATUS_EXTENSIONS: Final = frozenset(
    {
        UK_CORE_NHS_NUMBER_VERIFICATION_STATUS,
        CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS,
        GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS,
    }
)
"""Accepted inbound; the UK Core (R4) extension is the one emitted. All three carry the same codes 01-08."""
NHS_NUMBER_VERIFICATION_STATUS_CODE_SYSTEMS: Final = frozenset(
    {
        UK_CORE_NHS_NUMBER_VERIFICATION_STATUS_ENGLAND,
        CARE_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES,
        GP_CONNECT_NHS_NUMBER_VERIFICATION_STATUS_CODES,
    }
)

# Errors (OperationOutcome.issue.details)
SPINE_ERROR_OR_WARNING_CODE: Final = "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode"
"""Spine error or warning codes for FHIR R4 APIs (NHS England, version 2.1.0). Version 2.0.0 was published as
``https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode``; the codes that matter here are unchanged."""
SPINE_ERROR_OR_WARNING_CODE_STU3: Final = "https://fhir.nhs.uk/STU3/CodeSystem/Spine-ErrorOrWarningCode-1"
"""The Spine codes of NEMS, GP Connect and NRL. It alone defines some codes (INVALID_NHS_NUMBER,
DUPLICATE_REJECTED, INVALID_IDENTIFIER_SYSTEM...), which R4 APIs still use with this system."""

# The s23 early-years notification
MESSAGE_EVENT: Final = f"{CANONICAL_BASE}/CodeSystem/message-event"
"""Events of the platform's FHIR messages (``MessageHeader.eventCoding``)."""
EARLY_YEARS_NOTIFICATION_EVENT: Final = "early-years-send-notification"
"""An NHS body brings a young child's (probable) SEN or disability to the LA's attention (CFA 2014 s23)."""
OPINION_FORMED_DATE: Final = f"{CANONICAL_BASE}/StructureDefinition/Extension-EarlyYears-OpinionFormedDate"
"""On ``Communication``, ``valueDate``, required: the date the NHS body formed the opinion that the child has,
or probably has, special educational needs or a disability (s23(1))."""
PARENT_INFORMED_DATE: Final = f"{CANONICAL_BASE}/StructureDefinition/Extension-EarlyYears-ParentInformedDate"
"""On ``Communication``, ``valueDate``: the date the parent was told of the opinion and of the duty to bring it
to the LA's attention (s23(2)(a))."""
DISCUSSION_OFFERED_DATE: Final = f"{CANONICAL_BASE}/StructureDefinition/Extension-EarlyYears-DiscussionOfferedDate"
"""On ``Communication``, ``valueDate``: the date the parent was given the opportunity to discuss the opinion
with an officer of the NHS body (s23(2)(b))."""
VOLUNTARY_ORGANISATIONS_SIGNPOSTED: Final = (
    f"{CANONICAL_BASE}/StructureDefinition/Extension-EarlyYears-VoluntaryOrganisationsSignposted"
)
"""On ``Communication``, ``valueBoolean``: whether the parent was told of a voluntary organisation likely to be
able to give advice or assistance (s23(2)(d)). ``false`` means none was named (the duty applies only where the
NHS body thinks one is likely to help); absent means the sender did not say."""

# Other code systems the mappings emit
COMMUNICATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/communication-category"
