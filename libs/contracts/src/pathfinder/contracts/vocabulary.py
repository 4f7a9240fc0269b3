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
    SECONDARY_TO_POST16 = "secondary-to-post16"  # before 31 March, not 15 February (reg 18(1)(a))


class AdviceForm(StrEnum):
    """How health gave its advice (FHIR mapping in pathfinder.contracts.fhir)."""

    DOCUMENT = "document"  # a DocumentReference, e.g. a PDF report
    QUESTIONNAIRE_RESPONSE = "questionnaire-response"  # a structured QuestionnaireResponse


class StatutoryLimit(StrEnum):
    """The limits of an EHC needs assessment and plan that the statutory clock follows."""

    CONSIDERATION_NOTICES = "consideration-notices"  # reg 4(2): at the point of considering an assessment
    DECISION_TO_ASSESS = "decision-to-assess"  # reg 5(1): 6 weeks from the request
    ADVICE = "advice"  # reg 8(1): 6 weeks from the advisor receiving the request
    DECISION_NOT_TO_ISSUE = "decision-not-to-issue"  # reg 10(1): 16 weeks from the request
    DRAFT_REPRESENTATIONS = "draft-representations"  # reg 13(1): at least 15 days, counting the day served
    FINAL_PLAN = "final-plan"  # reg 13(2): 20 weeks from the request
    REVIEW = "review"  # s44(1): within 12 months of the plan or the last review
    REVIEW_MEETING_NOTICE = "review-meeting-notice"  # reg 20(3): 2 weeks before the meeting
    REVIEW_ADVICE_CIRCULATED = "review-advice-circulated"  # reg 20(4): 2 weeks before the meeting
    REVIEW_REPORT = "review-report"  # reg 20(7): within 2 weeks of the meeting
    REVIEW_DECISION = "review-decision"  # reg 20(10): within 4 weeks of the meeting
    AMENDED_PLAN = "amended-plan"  # reg 22(3): 8 weeks from the proposed amendments
    REASSESSMENT = "reassessment"  # reg 27(2): 14 weeks from notifying the decision to re-assess (reg 25(1))
    PHASE_TRANSFER = "phase-transfer"  # reg 18: 15 February (31 March into post-16) of the year of the move


class ConsultedBody(StrEnum):
    """Whom the LA tells it is considering an EHC needs assessment (reg 4(2))."""

    RESPONSIBLE_COMMISSIONING_BODY = "responsible-commissioning-body"  # reg 4(2)(a): the ICB
    SOCIAL_CARE = "social-care"  # reg 4(2)(b): the LA's officers for social care for children or young people
    SCHOOL_OR_SETTING = "school-or-setting"  # reg 4(2)(c)-(e): the head teacher, principal or early years provider


class RiskReason(StrEnum):
    """Why the early warning says an assessment will miss its 20-week limit."""

    ADVICE_OUTSTANDING = "advice-outstanding"  # advice not yet given, and its advisor is usually late
    STAGE_SLOWER_THAN_USUAL = "stage-slower-than-usual"  # the current stage has run past the LA's usual time
    TOO_LITTLE_TIME_LEFT = "too-little-time-left"  # what remains usually takes longer than the days left
