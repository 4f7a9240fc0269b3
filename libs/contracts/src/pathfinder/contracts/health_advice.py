"""Events of health advice for EHC needs assessments, produced by health-advice. A body asked for advice must
give it within 6 weeks of receiving the request (SEND Regulations 2014 reg 8(1)), unless a reg 8(2) exception
stops the clock; Designated Clinical Officers watch this turnaround.
"""

from __future__ import annotations

from typing import Annotated, ClassVar
from uuid import UUID

from pathfinder.contracts.base import ChildEvent, LondonDate, OdsCode, UtcInstant
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pydantic import Field

HEALTH_ADVICE_TOPIC = "pathfinder.health-advice.requests"

AdviceRequestId = Annotated[
    UUID, Field(description="Platform id of the advice request (the same id ehcp gave it in AdviceRequested)")
]
AdviceDueOn = Annotated[LondonDate, Field(description="Statutory due date: received + 6 weeks + clock stops")]


class HealthAdviceEvent(ChildEvent):
    topic: ClassVar[str] = HEALTH_ADVICE_TOPIC
    producer: ClassVar[str] = "health-advice"

    advice_request_id: AdviceRequestId


class HealthAdviceRequested(HealthAdviceEvent):
    """A request for health advice reached the health body, which now has 6 weeks (reg 8(1))."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-requested.v1"

    assessment_id: UUID = Field(description="The EHC needs assessment it is for")
    health_body: OdsCode = Field(description="ODS code of the ICB or trust asked")
    received_on: LondonDate = Field(description="Day the health body received the request: day 0")
    advice_due_on: AdviceDueOn


class HealthAdviceAccepted(HealthAdviceEvent):
    """A health service took the request on and will give the advice."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-accepted.v1"

    accepted_by: OdsCode = Field(description="ODS code of the service or trust giving the advice")
    accepted_on: LondonDate = Field(description="Day it was accepted")


class HealthAdviceSubmitted(HealthAdviceEvent):
    """Health gave its advice; the LA fetches it through the authorised API."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-submitted.v1"

    submitted_at: UtcInstant = Field(description="Instant the advice was submitted")
    form: AdviceForm = Field(description="A document or a questionnaire response")
    within_statutory_limit: bool = Field(description="Whether it came by the due date, clock stops included")


class HealthAdviceDueSoon(HealthAdviceEvent):
    """The advice is due within the configured warning period; raised once per due date."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-due-soon.v1"

    advice_due_on: AdviceDueOn
    days_remaining: int = Field(ge=0, description="Calendar days from the day it was raised to the due date")


class HealthAdviceOverdue(HealthAdviceEvent):
    """The due date passed without advice; raised once per due date."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-overdue.v1"

    advice_due_on: AdviceDueOn


class HealthAdviceClockStopped(HealthAdviceEvent):
    """A reg 8(2) exception applies: the 6 weeks do not run while it lasts."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-clock-stopped.v1"

    reason: AdviceClockStopReason = Field(description="Which reg 8(2) exception")
    stopped_on: LondonDate = Field(description="First day the clock stands still")


class HealthAdviceClockRestarted(HealthAdviceEvent):
    """The exception ended; the clock runs again with a later due date."""

    event_type: ClassVar[str] = "pathfinder.health-advice.health-advice-clock-restarted.v1"

    restarted_on: LondonDate = Field(description="First day the clock runs again")
    advice_due_on: AdviceDueOn
