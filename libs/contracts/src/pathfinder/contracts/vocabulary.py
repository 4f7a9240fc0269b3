"""Coded values that events share, each in the words of the Act, the Regulations or the Code of Practice.

Adding a member to an enum changes what a version accepts, so it needs a new event version (see README).
"""

from __future__ import annotations

from enum import StrEnum


class AdviceKind(StrEnum):
    """Whose advice and information the LA seeks for an EHC needs assessment (SEND Regulations 2014, reg 6(1))."""

    PARENT = "parent"  # reg 6(1)(a): the child's parent or the young person
    EDUCATION = "education"  # reg 6(1)(b): the head teacher, principal or early years provider
    HEALTH = "health"  # reg 6(1)(c): a health care professional identified by the responsible commissioning body
    EDUCATIONAL_PSYCHOLOGY = "educational-psychology"  # reg 6(1)(d)
    SOCIAL_CARE = "social-care"  # reg 6(1)(e): in relation to social care
    PREPARATION_FOR_ADULTHOOD = "preparation-for-adulthood"  # reg 6(1)(g): in or beyond year 9
    REQUESTED_BY_PARENT = "requested-by-parent"  # reg 6(1)(h): any person the parent reasonably requests
    OTHER = "other"  # reg 6(1)(f): any other person the LA thinks appropriate
    # reg 6(2): where the child is visually or hearing impaired, educational advice must be given after
    # consultation with a suitably qualified teacher
    SENSORY_IMPAIRMENT = "sensory-impairment"


class StatutoryStep(StrEnum):
    """The assessment deadlines that exceptions can suspend (regs 5(4), 10(4), 13(3))."""

    DECISION_TO_ASSESS = "decision-to-assess"  # 6 weeks, reg 5
    DECISION_NOT_TO_ISSUE = "decision-not-to-issue"  # 16 weeks, reg 10
    FINAL_PLAN = "final-plan"  # 20 weeks, reg 13(2)


class AssessmentException(StrEnum):
    """Why a 6, 16 or 20-week limit does not apply (regs 5(4), 10(4), 13(3)); a waiting list is never one."""

    SETTING_CLOSURE = "setting-closure"  # (a): advice asked of a school/setting around a closure of 4+ weeks
    EXCEPTIONAL_PERSONAL_CIRCUMSTANCES = "exceptional-personal-circumstances"  # (b) the child's or parent's
    ABSENT_FROM_AREA = "absent-from-area"  # (c): the family away from the LA's area for 4+ continuous weeks


class AdviceClockStopReason(StrEnum):
    """Why the 6-week duty to give advice does not apply for a while (reg 8(2)); there is no holiday exception."""

    EXCEPTIONAL_CIRCUMSTANCES = "exceptional-circumstances"  # reg 8(2)(a)
    ABSENT_FROM_AREA = "absent-from-area"  # reg 8(2)(b): the child or parent away for 4+ continuous weeks
    MISSED_APPOINTMENT = "missed-appointment"  # reg 8(2)(c): the child failed to keep an appointment


class Requester(StrEnum):
    """Who asked the LA for an EHC needs assessment (Children and Families Act 2014 s36(1), reg 3)."""

    PARENT = "parent"
    YOUNG_PERSON = "young-person"
    SCHOOL_OR_POST16_INSTITUTION = "school-or-post16-institution"
    BROUGHT_TO_ATTENTION = "brought-to-attention"  # s24: anyone else, e.g. health, social care, a setting


class PhaseTransfer(StrEnum):
    """Moves between phases of education that need the plan amended in advance (reg 18)."""

    EARLY_YEARS_TO_SCHOOL = "early-years-to-school"
    INFANT_TO_JUNIOR = "infant-to-junior"
    PRIMARY_TO_MIDDLE = "primary-to-middle"
    PRIMARY_TO_SECONDARY = "primary-to-secondary"
    MIDDLE_TO_SECONDARY = "middle-to-secondary"
    SECONDARY_TO_POST16 = "secondary-to-post16"  # deadline 31 March, not 15 February (reg 18(1)(b))


class AdviceForm(StrEnum):
    """How health gave its advice (FHIR mapping in pathfinder.contracts.fhir)."""

    DOCUMENT = "document"  # a DocumentReference, e.g. a PDF report
    QUESTIONNAIRE_RESPONSE = "questionnaire-response"  # a structured QuestionnaireResponse
