"""Events of an EHC plan after it is issued, produced by ehcp: amendment, reviews, phase transfers, ceasing
(Children and Families Act 2014 ss44-45; SEND Regulations 2014 regs 18-22, 29-31)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pathfinder.contracts.assessment import AssessmentId, EhcpEvent
from pathfinder.contracts.base import LondonDate
from pathfinder.contracts.vocabulary import PhaseTransfer
from pydantic import Field

PlanId = Annotated[UUID, Field(description="Platform id of the EHC plan")]


class AmendmentCause(StrEnum):
    ANNUAL_REVIEW = "annual-review"  # reg 22
    PHASE_TRANSFER = "phase-transfer"  # reg 18
    REASSESSMENT = "reassessment"  # reg 27: within 14 weeks of the request
    TRIBUNAL_ORDER = "tribunal-order"
    OTHER = "other"


class PlanAmended(EhcpEvent):
    """The LA issued an amended EHC plan (within 8 weeks of the proposed amendments, reg 22)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.plan-amended.v1"

    plan_id: PlanId
    amended_on: LondonDate = Field(description="Day the amended plan was issued")
    cause: AmendmentCause = Field(description="What led to the amendment")


class CessationReason(StrEnum):
    """s45(1): the LA is no longer responsible, or the plan is no longer necessary."""

    NO_LONGER_NECESSARY = "no-longer-necessary"
    MOVED_TO_ANOTHER_LA = "moved-to-another-la"  # the plan transfers (reg 15); the new LA continues it
    ENTERED_HIGHER_EDUCATION = "entered-higher-education"
    ENTERED_EMPLOYMENT = "entered-employment"
    REACHED_25 = "reached-25"
    LEFT_EDUCATION_OR_TRAINING = "left-education-or-training"


class PlanCeased(EhcpEvent):
    """The LA ceased to maintain the EHC plan (s45) after notifying the parent (reg 31)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.plan-ceased.v1"

    plan_id: PlanId
    ceased_on: LondonDate = Field(description="Day the plan stopped being maintained")
    reason: CessationReason = Field(description="Why, under s45")


class ReviewDue(EhcpEvent):
    """A plan's review is coming due: it must be reviewed within every 12 months (s44), with the meeting
    notified 2 weeks ahead (reg 20). Raised once per review by ehcp's timer."""

    event_type: ClassVar[str] = "pathfinder.ehcp.review-due.v1"

    plan_id: PlanId
    review_due_on: LondonDate = Field(description="Last day of the 12 months since the plan or last review")


class ReviewHeld(EhcpEvent):
    """The review meeting took place; the report is due within 2 weeks and the LA's decision within 4 weeks
    of the meeting (regs 20-21)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.review-held.v1"

    plan_id: PlanId
    held_on: LondonDate = Field(description="Day of the review meeting")
    report_due_on: LondonDate = Field(description="held_on + 2 weeks")
    decision_due_on: LondonDate = Field(description="held_on + 4 weeks")


class ReviewDecided(EhcpEvent):
    """The LA decided, after a review, to keep, amend or cease the plan (regs 20-21)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.review-decided.v1"

    plan_id: PlanId
    decided_on: LondonDate = Field(description="Day the parent was notified of the decision")
    decision: Literal["keep", "amend", "cease"] = Field(description="The decision")
    within_statutory_limit: bool = Field(description="Whether it came within 4 weeks of the meeting")


class PhaseTransferDue(EhcpEvent):
    """The child moves phase next academic year: the plan must be reviewed and amended, naming the new
    setting, before 15 February of the transfer year, or 31 March for secondary to post-16 (reg 18)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.phase-transfer-due.v1"

    plan_id: PlanId
    transfer: PhaseTransfer = Field(description="Which move")
    transfer_on: LondonDate = Field(description="First day of the academic year of the move")
    amendment_due_on: LondonDate = Field(
        description="The last day: 14 February (before 15 February), or 30 March (before 31 March) for post-16, of the "
        "year of the move"
    )


class ReviewMeetingNotified(EhcpEvent):
    """The LA gave notice of an annual review meeting, at least 2 weeks ahead (reg 20(3))."""

    event_type: ClassVar[str] = "pathfinder.ehcp.review-meeting-notified.v1"

    plan_id: PlanId
    notified_on: LondonDate = Field(description="Day the notice was given")
    meeting_on: LondonDate = Field(description="Day of the meeting")
    within_statutory_limit: bool = Field(description="Whether notice came at least 2 weeks before the meeting")


class ReviewAdviceCirculated(EhcpEvent):
    """The advice and information gathered for a review went to those invited, at least 2 weeks before the
    meeting (reg 20(4))."""

    event_type: ClassVar[str] = "pathfinder.ehcp.review-advice-circulated.v1"

    plan_id: PlanId
    circulated_on: LondonDate = Field(description="Day it was circulated")
    within_statutory_limit: bool = Field(description="Whether it came at least 2 weeks before the meeting")


class ReviewReportSent(EhcpEvent):
    """The report of a review meeting went to everyone invited, within 2 weeks of the meeting (reg 20(7))."""

    event_type: ClassVar[str] = "pathfinder.ehcp.review-report-sent.v1"

    plan_id: PlanId
    sent_on: LondonDate = Field(description="Day it was sent")
    within_statutory_limit: bool = Field(description="Whether it came within 2 weeks of the meeting")


class PlanAmendmentsProposed(EhcpEvent):
    """The LA proposed amendments to a plan; the amended plan is due within 8 weeks (reg 22)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.plan-amendments-proposed.v1"

    plan_id: PlanId
    proposed_on: LondonDate = Field(description="Day the proposed amendments went to the parent")
    amended_plan_due_on: LondonDate = Field(description="proposed_on + 8 weeks")
    cause: AmendmentCause = Field(description="What led to them")


class ReassessmentRequested(EhcpEvent):
    """A re-assessment of the child's needs was requested (s44(7), reg 27); the decision and any plan follow
    as a new assessment, within 14 weeks of the request for the plan."""

    event_type: ClassVar[str] = "pathfinder.ehcp.reassessment-requested.v1"

    plan_id: PlanId
    assessment_id: AssessmentId
    requested_on: LondonDate = Field(description="Day the LA received the request")
