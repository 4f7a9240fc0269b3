"""Events of the EHC needs assessment, produced by ehcp (Children and Families Act 2014 ss36-37; SEND
Regulations 2014 regs 3-13). The statutory clock starts on the day the LA receives the request; due dates are
Europe/London calendar dates (6 weeks = 42 days).
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pathfinder.contracts.base import ChildEvent, LondonDate, OdsCode, UtcInstant
from pathfinder.contracts.vocabulary import (
    AdviceKind,
    AssessmentException,
    ConsultedBody,
    Requester,
    RiskReason,
    StatutoryLimit,
    StatutoryStep,
)
from pydantic import Field

EHCP_TOPIC = "pathfinder.ehcp.lifecycle"

AssessmentId = Annotated[UUID, Field(description="Platform id of the EHC needs assessment (request to outcome)")]
AdviceRequestId = Annotated[UUID, Field(description="Platform id of one request for advice")]
WithinLimit = Annotated[
    bool, Field(description="Whether it happened by the statutory due date, with exceptions taken into account")
]


class EhcpEvent(ChildEvent):
    topic: ClassVar[str] = EHCP_TOPIC
    producer: ClassVar[str] = "ehcp"


class AssessmentRequested(EhcpEvent):
    """The LA received a request for an EHC needs assessment (or a child was brought to its attention), which
    starts the statutory clock; the LA tells health and social care it is considering an assessment (reg 4(2))."""

    event_type: ClassVar[str] = "pathfinder.ehcp.assessment-requested.v1"

    assessment_id: AssessmentId
    requested_by: Requester = Field(description="Who asked (s36(1)) or brought the child to the LA's attention")
    request_received_on: LondonDate = Field(description="Day the LA received the request: day 0 of the clock")
    decision_due_on: LondonDate = Field(description="Decision whether to assess due: received + 6 weeks (reg 5)")
    final_plan_due_on: LondonDate = Field(description="Final plan due: received + 20 weeks (reg 13(2))")


class AssessmentDecisionMade(EhcpEvent):
    """The LA decided whether to carry out an EHC needs assessment and notified the parent (reg 5)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.assessment-decision-made.v1"

    assessment_id: AssessmentId
    decision: Literal["assess", "not-assess"] = Field(description="To assess, or not to assess")
    decided_on: LondonDate = Field(description="Day the parent was notified of the decision")
    within_statutory_limit: WithinLimit


class AdviceRequested(EhcpEvent):
    """The LA sought advice and information for the assessment (reg 6(1)). A body asked must give it within
    6 weeks of receiving the request (reg 8(1)); health advice is tracked by health-advice."""

    event_type: ClassVar[str] = "pathfinder.ehcp.advice-requested.v1"

    assessment_id: AssessmentId
    advice_request_id: AdviceRequestId
    advice_kind: AdviceKind = Field(description="Whose advice, by reg 6(1)")
    advisor_organisation: OdsCode | None = Field(
        description="ODS code of the NHS body asked, for health advice; None for LA services, settings and others"
    )
    requested_on: LondonDate = Field(description="Day the advisor received the request: day 0 of its 6 weeks")
    advice_due_on: LondonDate = Field(description="Advice due: requested_on + 6 weeks (reg 8(1))")


class AdviceReceived(EhcpEvent):
    """The LA received the advice it asked for."""

    event_type: ClassVar[str] = "pathfinder.ehcp.advice-received.v1"

    assessment_id: AssessmentId
    advice_request_id: AdviceRequestId
    advice_kind: AdviceKind = Field(description="Whose advice, by reg 6(1)")
    received_on: LondonDate = Field(description="Day the LA received it")
    within_statutory_limit: WithinLimit


class DraftPlanIssued(EhcpEvent):
    """The LA sent the parent a draft EHC plan; the parent has at least 15 days, counting the day it was served,
    to comment and ask for a setting to be named (reg 13(1))."""

    event_type: ClassVar[str] = "pathfinder.ehcp.draft-plan-issued.v1"

    assessment_id: AssessmentId
    plan_id: UUID = Field(description="Platform id of the EHC plan")
    issued_on: LondonDate = Field(description="Day the draft was served on the parent")
    representations_due_on: LondonDate = Field(description="Last day for the parent's comments: issued_on + 14")


class FinalPlanIssued(EhcpEvent):
    """The LA issued the final EHC plan (s39(5), reg 13(2)); a copy also goes to the responsible ICB."""

    event_type: ClassVar[str] = "pathfinder.ehcp.final-plan-issued.v1"

    assessment_id: AssessmentId
    plan_id: UUID = Field(description="Platform id of the EHC plan")
    issued_on: LondonDate = Field(description="Day the final plan was issued")
    within_statutory_limit: WithinLimit
    exception_applied: bool = Field(description="Whether an exception (reg 13(3)) suspended the 20-week limit")


class DecisionNotToIssuePlan(EhcpEvent):
    """After assessing, the LA decided not to secure an EHC plan and notified the parent (reg 10)."""

    event_type: ClassVar[str] = "pathfinder.ehcp.decision-not-to-issue-plan.v1"

    assessment_id: AssessmentId
    decided_on: LondonDate = Field(description="Day the parent was notified, due within 16 weeks (reg 10)")
    within_statutory_limit: WithinLimit


class ExceptionRecorded(EhcpEvent):
    """A dated exception (regs 5(4), 10(4), 13(3)) now suspends a statutory limit of an assessment. Exceptions
    are facts with a legal basis, kept as data with effective ranges because the rules change over time."""

    event_type: ClassVar[str] = "pathfinder.ehcp.exception-recorded.v1"

    assessment_id: AssessmentId
    exception_id: UUID = Field(description="Platform id of the recorded exception")
    exception: AssessmentException = Field(description="Which exception applies")
    applies_to: tuple[StatutoryStep, ...] = Field(min_length=1, description="The limits it suspends")
    legal_basis: str = Field(
        pattern=r"^reg [0-9]+\([0-9]+\)(\([a-z]\))?$", description="Regulation relied on, e.g. 'reg 5(4)(b)'"
    )
    starts_on: LondonDate = Field(description="First day the exception applies")
    ends_on: LondonDate | None = Field(description="Last day, when known")
    recorded_at: UtcInstant = Field(description="Instant it was recorded")


class ExceptionCleared(EhcpEvent):
    """A recorded exception stopped applying (or was recorded in error); due dates are recomputed."""

    event_type: ClassVar[str] = "pathfinder.ehcp.exception-cleared.v1"

    assessment_id: AssessmentId
    exception_id: UUID = Field(description="The exception that was recorded")
    cleared_on: LondonDate = Field(description="First day it no longer applies")
    recorded_in_error: bool = Field(description="True when it never applied and is struck out")


class AssessmentConsiderationNotified(EhcpEvent):
    """The LA told the bodies reg 4(2) names that it is considering an EHC needs assessment."""

    event_type: ClassVar[str] = "pathfinder.ehcp.assessment-consideration-notified.v1"

    assessment_id: AssessmentId
    notified_on: LondonDate = Field(description="Day the LA notified them")
    notified: tuple[ConsultedBody, ...] = Field(min_length=1, description="Whom it notified (reg 4(2))")


class DraftPlanRepresentationsReceived(EhcpEvent):
    """The parent or young person made representations on a draft plan, and said whether they ask for a
    particular school or institution to be named in it (reg 13(1), s38(2)(b))."""

    event_type: ClassVar[str] = "pathfinder.ehcp.draft-plan-representations-received.v1"

    assessment_id: AssessmentId
    plan_id: UUID = Field(description="Platform id of the EHC plan")
    received_on: LondonDate = Field(description="Day the LA received them")
    particular_setting_requested: bool = Field(description="Whether they asked for a particular setting to be named")


class StatutoryLimitDueSoon(EhcpEvent):
    """A statutory limit of an assessment or plan falls due soon and has not been met. Raised once per limit
    and due date by ehcp's timer; a due date moved by a recorded exception is raised again."""

    event_type: ClassVar[str] = "pathfinder.ehcp.statutory-limit-due-soon.v1"

    case_id: UUID = Field(description="The assessment or plan the limit belongs to")
    limit: StatutoryLimit = Field(description="Which limit")
    due_on: LondonDate = Field(description="Its due date, exceptions taken into account")


class StatutoryLimitOverdue(EhcpEvent):
    """A statutory limit of an assessment or plan has passed unmet. Raised once per limit and due date by
    ehcp's timer."""

    event_type: ClassVar[str] = "pathfinder.ehcp.statutory-limit-overdue.v1"

    case_id: UUID = Field(description="The assessment or plan the limit belongs to")
    limit: StatutoryLimit = Field(description="Which limit")
    due_on: LondonDate = Field(description="Its due date, exceptions taken into account")


class AssessmentAtRisk(EhcpEvent):
    """The early warning expects an open assessment to miss its 20-week limit; raised when it becomes at risk."""

    event_type: ClassVar[str] = "pathfinder.ehcp.assessment-at-risk.v1"

    assessment_id: AssessmentId
    final_plan_due_on: LondonDate = Field(description="The 20-week due date, exceptions taken into account")
    expected_on: LondonDate = Field(description="When the plan is expected, from the LA's own history")
    reasons: tuple[RiskReason, ...] = Field(min_length=1, description="Why, most telling first")
