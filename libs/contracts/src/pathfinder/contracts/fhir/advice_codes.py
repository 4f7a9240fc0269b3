"""The identifier systems and CodeSystems of advice requests, under the project's canonical base (no national
standard exists for EHC needs assessment advice)."""

from __future__ import annotations

from typing import Final

from pathfinder.contracts.fhir.systems import CANONICAL_BASE
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceKind

ADVICE_REQUEST_IDENTIFIER_SYSTEM: Final = f"{CANONICAL_BASE}/Id/advice-request"
PROVIDER_TEAM_IDENTIFIER_SYSTEM: Final = f"{CANONICAL_BASE}/Id/advice-provider-team"
"""A provider team an ICB routes advice requests to, by the id the ICB gave it."""
ASSIGNEE_IDENTIFIER_SYSTEM: Final = f"{CANONICAL_BASE}/Id/advice-assignee"
"""Whom a health body assigned the advice to: a person's account subject or its own clinician reference (an SDS
user id, say), never a name."""
ADVICE_REQUEST_CATEGORY_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/advice-request-category"
ADVICE_KIND_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/advice-kind"
CLOCK_STOP_REASON_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/advice-clock-stop-reason"
CLOCK_STATE_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/advice-clock-state"
CLOCK_STOP_EXTENSION: Final = f"{CANONICAL_BASE}/StructureDefinition/advice-clock-stop"
TASK_CODE_SYSTEM: Final = "http://hl7.org/fhir/CodeSystem/task-code"

EHC_ASSESSMENT_ADVICE: Final = ("ehc-needs-assessment-advice", "Advice for an EHC needs assessment (reg 6(1))")
"""The one code of ``ADVICE_REQUEST_CATEGORY_SYSTEM``: advice and information an LA seeks for an EHC needs
assessment (SEND Regulations 2014, reg 6(1)), to be given within 6 weeks (reg 8(1))."""

ADVICE_KINDS: Final[dict[AdviceKind, str]] = {
    AdviceKind.PARENT: "From the child's parent or the young person",
    AdviceKind.EDUCATION: "Educational advice and information",
    AdviceKind.HEALTH: "Medical advice from a health care professional named by the responsible commissioning body",
    AdviceKind.EDUCATIONAL_PSYCHOLOGY: "Psychological advice from an educational psychologist",
    AdviceKind.SOCIAL_CARE: "Advice and information in relation to social care",
    AdviceKind.PREPARATION_FOR_ADULTHOOD: "On preparation for adulthood and independent living (year 9 onwards)",
    AdviceKind.REQUESTED_BY_PARENT: "From a person the parent or young person reasonably asks the LA to consult",
    AdviceKind.OTHER: "From any other person the LA thinks appropriate",
    AdviceKind.SENSORY_IMPAIRMENT: "Educational advice after consulting a qualified teacher of the sensory impaired",
}
"""``ADVICE_KIND_SYSTEM``: whose advice is sought (SEND Regulations 2014, reg 6), code and display."""

CLOCK_STOP_REASONS: Final[dict[AdviceClockStopReason, str]] = {
    AdviceClockStopReason.EXCEPTIONAL_CIRCUMSTANCES: "Exceptional circumstances affect the child, parent or young "
    "person (reg 8(2)(a))",
    AdviceClockStopReason.ABSENT_FROM_AREA: "The child, parent or young person is absent from the LA's area for at "
    "least 4 weeks (reg 8(2)(b))",
    AdviceClockStopReason.MISSED_APPOINTMENT: "The child or young person failed to keep an appointment for an "
    "examination or test (reg 8(2)(c))",
}
"""``CLOCK_STOP_REASON_SYSTEM``: the only exceptions to the 6-week advice duty; a waiting list is never one."""

ON_CLOCK: Final = ("on-clock", "The 6 weeks are running")
CLOSED: Final = ("closed", "Advice submitted or request cancelled: no clock runs")
"""The codes of ``CLOCK_STATE_SYSTEM``; a stopped clock shows its reason instead."""
