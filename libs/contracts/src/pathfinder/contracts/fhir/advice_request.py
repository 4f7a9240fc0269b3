"""A request for health advice for an EHC needs assessment as a FHIR R4 ``ServiceRequest`` + ``Task``.

The body asked must give its advice within 6 weeks of receiving the request (SEND Regulations 2014, reg 8(1))
unless a reg 8(2) exception makes that impractical. The ``ServiceRequest`` says what is asked, of whom, by whom
and for which child; the ``Task`` (code ``fulfill``) tracks the work and its statutory clock:

- ``Task.restriction.period.end``: the statutory due date, computed by the platform (42 days plus clock stops).
- ``Task.businessStatus``: the clock today: the reason of the open clock stop (``CLOCK_STOP_REASON_SYSTEM``),
  else ``on-clock`` or, once the request is finished, ``closed`` (``CLOCK_STATE_SYSTEM``).
- ``Task.extension`` ``CLOCK_STOP_EXTENSION``, one per clock stop in order: ``reason`` (valueCoding) and
  ``period`` (valuePeriod: first day stopped, last day stopped when known), so every stop stays auditable.
- ``Task.owner``: who has the work now: the clinician it is assigned to (a Practitioner identified by
  ``ASSIGNEE_IDENTIFIER_SYSTEM``), else the provider team it is routed to (a HealthcareService identified by
  ``PROVIDER_TEAM_IDENTIFIER_SYSTEM``), else the health body asked (its ODS code).

The child is ``subject``/``for``: a reference to the platform's pseudonymous person on its API, with the NHS
number as ``identifier`` when known, because the receiving health system finds the child by it. This payload
travels only over the authorised API, never in events. Organisations are logical references: the LA by its DfE
code, the health body by its ODS code. Dates are Europe/London calendar dates.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, Final, Self
from uuid import UUID

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task, TaskRestriction
from pathfinder.contracts.base import LaCode, OdsCode
from pathfinder.contracts.fhir.advice_codes import (
    ADVICE_KIND_SYSTEM,
    ADVICE_KINDS,
    ADVICE_REQUEST_CATEGORY_SYSTEM,
    ADVICE_REQUEST_IDENTIFIER_SYSTEM,
    ASSIGNEE_IDENTIFIER_SYSTEM,
    CLOCK_STATE_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    CLOCK_STOP_REASONS,
    CLOSED,
    EHC_ASSESSMENT_ADVICE,
    ON_CLOCK,
    PROVIDER_TEAM_IDENTIFIER_SYSTEM,
    TASK_CODE_SYSTEM,
)
from pathfinder.contracts.fhir.nhs_number import NhsNumber
from pathfinder.contracts.fhir.reading import (
    organisation,
)
from pathfinder.contracts.fhir.systems import (
    DFE_LA_CODE,
    NHS_NUMBER,
    ODS_ORGANIZATION_CODE,
)
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceKind
from pydantic import BaseModel, ConfigDict, Field, model_validator

PATIENT: Final = re.compile(r"(?:^|/)Patient/([0-9a-fA-F-]{36})$")
SERVICE_REQUEST: Final = re.compile(r"(?:^|/)ServiceRequest/([0-9a-fA-F-]{36})$")


class AdviceRequestStatus(StrEnum):
    """Where the request stands, as ``Task.status`` says it (``ServiceRequest.status`` follows)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


STATUSES: Final = {  # (Task.status, ServiceRequest.status)
    AdviceRequestStatus.REQUESTED: ("requested", "active"),
    AdviceRequestStatus.ACCEPTED: ("accepted", "active"),
    AdviceRequestStatus.IN_PROGRESS: ("in-progress", "active"),
    AdviceRequestStatus.SUBMITTED: ("completed", "completed"),
    AdviceRequestStatus.CANCELLED: ("cancelled", "revoked"),
}
STATUS_OF_TASK: Final = {task: status for status, (task, _) in STATUSES.items()}


class ClockStop(BaseModel):
    """A reg 8(2) exception: from ``started_on`` to ``ended_on`` inclusive (open while ``ended_on`` is None)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: AdviceClockStopReason
    started_on: date
    ended_on: date | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise ValueError("A clock stop cannot end before it starts")
        return self


class AdviceRequestView(BaseModel):
    """What the FHIR pair says about one advice request; the platform computes ``statutory_due_date``."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    advice_request_id: UUID
    person_id: UUID = Field(description="The platform's pseudonymous id of the child")
    nhs_number: NhsNumber | None = None
    requesting_la: LaCode
    health_body: OdsCode = Field(description="ODS code of the ICB or trust asked")
    advice_kind: AdviceKind = AdviceKind.HEALTH
    requested_on: date = Field(description="Day the health body received the request (Europe/London)")
    statutory_due_date: date
    status: AdviceRequestStatus
    clock_stops: tuple[ClockStop, ...] = ()
    owner_team: str | None = Field(
        default=None, min_length=1, max_length=200, description="The provider team that has the work until it is "
        "assigned (the id its ICB gave it)"
    )  # fmt: skip
    assigned_to: str | None = Field(
        default=None, min_length=1, max_length=200, description="Whom the advice is assigned to: an account "
        "subject or a clinician reference, never a name"
    )  # fmt: skip

    @model_validator(mode="after")
    def _dates_follow_the_request(self) -> Self:
        if self.owner_team is not None and self.assigned_to is not None:
            raise ValueError("The Task has one owner: the team until someone is assigned")
        if self.statutory_due_date < self.requested_on:
            raise ValueError("The statutory due date cannot precede the request")
        if any(stop.started_on < self.requested_on for stop in self.clock_stops):
            raise ValueError("A clock stop cannot start before the request")
        return self

    @property
    def current_clock_stop(self) -> ClockStop | None:
        """The open stop that started last (stops may overlap), if any."""
        open_stops = [stop for stop in self.clock_stops if stop.ended_on is None]
        return max(reversed(open_stops), key=lambda stop: stop.started_on, default=None)

    @property
    def clock_state(self) -> tuple[str, str, str]:
        """``Task.businessStatus`` as (system, code, display)."""
        stop = self.current_clock_stop
        if self.status in (AdviceRequestStatus.SUBMITTED, AdviceRequestStatus.CANCELLED):
            return (CLOCK_STATE_SYSTEM, *CLOSED)
        if stop is None:
            return (CLOCK_STATE_SYSTEM, *ON_CLOCK)
        return CLOCK_STOP_REASON_SYSTEM, stop.reason.value, CLOCK_STOP_REASONS[stop.reason]


def advice_request_resources(view: AdviceRequestView, *, base_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``ServiceRequest`` and ``Task`` (FHIR JSON) for an advice request; references resolve on ``base_url``."""
    nhs_number = None if view.nhs_number is None else Identifier(system=NHS_NUMBER, value=view.nhs_number)
    child = Reference(
        reference=f"{base_url.rstrip('/')}/Patient/{view.person_id}", type="Patient", identifier=nhs_number
    )
    task_status, request_status = STATUSES[view.status]
    service_request = ServiceRequest(
        id=str(view.advice_request_id),
        identifier=[Identifier(system=ADVICE_REQUEST_IDENTIFIER_SYSTEM, value=str(view.advice_request_id))],
        status=request_status,
        intent="order",
        category=[_concept(ADVICE_REQUEST_CATEGORY_SYSTEM, *EHC_ASSESSMENT_ADVICE)],
        code=_concept(ADVICE_KIND_SYSTEM, view.advice_kind.value, ADVICE_KINDS[view.advice_kind]),
        subject=child,
        authoredOn=view.requested_on,
        requester=organisation(DFE_LA_CODE, view.requesting_la),
        performer=[organisation(ODS_ORGANIZATION_CODE, view.health_body)],
    )
    task = Task(
        id=str(view.advice_request_id),
        status=task_status,
        intent="order",
        code=_concept(TASK_CODE_SYSTEM, "fulfill", "Fulfill the focal request"),
        focus=advice_request_reference(view.advice_request_id, base_url=base_url),
        for_fhir=child,
        authoredOn=view.requested_on,
        requester=organisation(DFE_LA_CODE, view.requesting_la),
        owner=_owner(view),
        restriction=TaskRestriction(period=Period(end=view.statutory_due_date)),
        businessStatus=_concept(*view.clock_state),
        extension=[_clock_stop_extension(stop) for stop in view.clock_stops] or None,
    )
    return service_request.model_dump(mode="json"), task.model_dump(mode="json")


def advice_request_reference(advice_request_id: UUID, *, base_url: str) -> Reference:
    """The advice request's ``ServiceRequest``, by URL and by identifier (either is enough to find it)."""
    return Reference(
        reference=f"{base_url.rstrip('/')}/ServiceRequest/{advice_request_id}",
        type="ServiceRequest",
        identifier=Identifier(system=ADVICE_REQUEST_IDENTIFIER_SYSTEM, value=str(advice_request_id)),
    )


def _owner(view: AdviceRequestView) -> Reference:
    if view.assigned_to is not None:
        return Reference(type="Practitioner", identifier=Identifier(system=ASSIGNEE_IDENTIFIER_SYSTEM,
                                                                    value=view.assigned_to))  # fmt: skip
    if view.owner_team is not None:
        team = Identifier(system=PROVIDER_TEAM_IDENTIFIER_SYSTEM, value=view.owner_team)
        return Reference(type="HealthcareService", identifier=team)
    return organisation(ODS_ORGANIZATION_CODE, view.health_body)


def _concept(system: str, code: str, display: str) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)])


def _clock_stop_extension(stop: ClockStop) -> Extension:
    reason = Coding(system=CLOCK_STOP_REASON_SYSTEM, code=stop.reason.value, display=CLOCK_STOP_REASONS[stop.reason])
    period = Period(start=stop.started_on, end=stop.ended_on)
    return Extension(
        url=CLOCK_STOP_EXTENSION,
        extension=[Extension(url="reason", valueCoding=reason), Extension(url="period", valuePeriod=period)],
    )
