"""A request for health advice for an EHC needs assessment as a FHIR R4 ``ServiceRequest`` + ``Task``.

The body asked must give its advice within 6 weeks of receiving the request (SEND Regulations 2014, reg 8(1))
unless a reg 8(2) exception makes that impractical. The ``ServiceRequest`` says what is asked, of whom, by whom
and for which child; the ``Task`` (code ``fulfill``) tracks the work and its statutory clock:

- ``Task.restriction.period.end``: the statutory due date, computed by the platform (42 days plus clock stops).
- ``Task.businessStatus``: the clock today: the reason of the open clock stop (``CLOCK_STOP_REASON_SYSTEM``),
  else ``on-clock`` or, once the request is finished, ``closed`` (``CLOCK_STATE_SYSTEM``).
- ``Task.extension`` ``CLOCK_STOP_EXTENSION``, one per clock stop in order: ``reason`` (valueCoding) and
  ``period`` (valuePeriod: first day stopped, last day stopped when known), so every stop stays auditable.

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
    CLOCK_STATE_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    CLOCK_STOP_REASONS,
    CLOSED,
    EHC_ASSESSMENT_ADVICE,
    ON_CLOCK,
    TASK_CODE_SYSTEM,
)
from pathfinder.contracts.fhir.nhs_number import NhsNumber, is_valid_nhs_number, normalise_nhs_number
from pathfinder.contracts.fhir.outcome import SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.reading import (
    FoundIssues,
    codes_in,
    london_date,
    organisation,
    read_identifier,
    read_uuid,
)
from pathfinder.contracts.fhir.systems import (
    DFE_LA_CODE,
    NHS_NUMBER,
    NHS_NUMBER_SYSTEMS,
    ODS_ORGANIZATION_CODE,
)
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceKind
from pydantic import BaseModel, ConfigDict, Field, model_validator

_PATIENT: Final = re.compile(r"(?:^|/)Patient/([0-9a-fA-F-]{36})$")
_SERVICE_REQUEST: Final = re.compile(r"(?:^|/)ServiceRequest/([0-9a-fA-F-]{36})$")


class AdviceRequestStatus(StrEnum):
    """Where the request stands, as ``Task.status`` says it (``ServiceRequest.status`` follows)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


_STATUSES: Final = {  # (Task.status, ServiceRequest.status)
    AdviceRequestStatus.REQUESTED: ("requested", "active"),
    AdviceRequestStatus.ACCEPTED: ("accepted", "active"),
    AdviceRequestStatus.IN_PROGRESS: ("in-progress", "active"),
    AdviceRequestStatus.SUBMITTED: ("completed", "completed"),
    AdviceRequestStatus.CANCELLED: ("cancelled", "revoked"),
}
_STATUS_OF_TASK: Final = {task: status for status, (task, _) in _STATUSES.items()}


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

    @model_validator(mode="after")
    def _dates_follow_the_request(self) -> Self:
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
    task_status, request_status = _STATUSES[view.status]
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
        owner=organisation(ODS_ORGANIZATION_CODE, view.health_body),
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


def _concept(system: str, code: str, display: str) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)])


def _clock_stop_extension(stop: ClockStop) -> Extension:
    reason = Coding(system=CLOCK_STOP_REASON_SYSTEM, code=stop.reason.value, display=CLOCK_STOP_REASONS[stop.reason])
    period = Period(start=stop.started_on, end=stop.ended_on)
    return Extension(
        url=CLOCK_STOP_EXTENSION,
        extension=[Extension(url="reason", valueCoding=reason), Extension(url="period", valuePeriod=period)],
    )


def parse_advice_request(service_request: object, task: object) -> AdviceRequestView:
    """An advice request from its ``ServiceRequest`` and ``Task`` (parsed JSON), as built by
    ``advice_request_resources`` or sent back by health; ``FhirInputRejected`` naming every problem otherwise."""
    request = parse_resource(service_request, ServiceRequest)
    work = parse_resource(task, Task)
    found = FoundIssues()
    for path, resource in (("ServiceRequest", request), ("Task", work)):
        if resource.modifierExtension:
            found.add(f"{path}.modifierExtension", "Modifier extensions are not supported", "not-supported")
        if resource.intent != "order":
            found.add(f"{path}.intent", "Must be order", "code-invalid")
    if codes_in(request.category, ADVICE_REQUEST_CATEGORY_SYSTEM) != [EHC_ASSESSMENT_ADVICE[0]]:
        found.add("ServiceRequest.category", f"Must be {EHC_ASSESSMENT_ADVICE[0]}", "code-invalid")
    if codes_in([work.code], TASK_CODE_SYSTEM) != ["fulfill"]:
        found.add("Task.code", "Must be fulfill from the FHIR task-code CodeSystem", "code-invalid")
    kinds = codes_in([request.code], ADVICE_KIND_SYSTEM)
    if len(kinds) != 1 or kinds[0] not in set(AdviceKind):
        found.add("ServiceRequest.code", f"Must be one code of {ADVICE_KIND_SYSTEM}", "code-invalid")
    own = [item.value for item in request.identifier or [] if item.system == ADVICE_REQUEST_IDENTIFIER_SYSTEM]
    if len(own) != 1:
        found.add(
            "ServiceRequest.identifier", f"Exactly one {ADVICE_REQUEST_IDENTIFIER_SYSTEM} is required", "required"
        )
    advice_request_id = read_uuid(own[0], "ServiceRequest.identifier", found) if len(own) == 1 else None
    if advice_request_id and read_advice_request_id(work.focus, "Task.focus", found) != advice_request_id:
        found.conflict("Task.focus", "Must reference the ServiceRequest of this advice request")
    child = _read_child(request.subject, "ServiceRequest.subject", found)
    found.same("Task.for", child, _read_child(work.for_fhir, "Task.for", found))
    la = read_identifier(request.requester, "ServiceRequest.requester", DFE_LA_CODE, found)
    found.same("Task.requester", la, read_identifier(work.requester, "Task.requester", DFE_LA_CODE, found))
    if len(request.performer or []) != 1:
        found.add("ServiceRequest.performer", "Exactly one performer, the health body asked", "invariant")
    performer = request.performer[0] if request.performer else None
    ods = read_identifier(performer, "ServiceRequest.performer[0]", ODS_ORGANIZATION_CODE, found)
    found.same("Task.owner", ods, read_identifier(work.owner, "Task.owner", ODS_ORGANIZATION_CODE, found))
    requested_on = london_date(request.authoredOn, "ServiceRequest.authoredOn", found)
    found.same("Task.authoredOn", requested_on, london_date(work.authoredOn, "Task.authoredOn", found))
    period = work.restriction.period if work.restriction else None
    status = _STATUS_OF_TASK.get(str(work.status))
    if status is None:
        found.add("Task.status", "Not a status an advice request can have", "code-invalid")
    elif request.status != _STATUSES[status][1]:
        found.conflict("ServiceRequest.status", "Does not agree with Task.status")
    fields: dict[str, object] = {
        "advice_request_id": advice_request_id,
        "person_id": child and child[0],
        "nhs_number": child and child[1],
        "requesting_la": la,
        "health_body": ods,
        "advice_kind": kinds[0] if kinds else None,
        "requested_on": requested_on,
        "statutory_due_date": london_date(period and period.end, "Task.restriction.period.end", found),
        "status": status,
        "clock_stops": [
            _clock_stop(extension, f"Task.extension[{index}]", found)
            for index, extension in enumerate(work.extension or [])
            if extension.url == CLOCK_STOP_EXTENSION
        ],
    }
    view = found.model(AdviceRequestView, fields, _VIEW_PATHS, "Task")
    business_status = [(coding.system, coding.code) for coding in (work.businessStatus or _NONE).coding or []]
    if business_status != [view.clock_state[:2]]:
        found.conflict("Task.businessStatus", "Must be the open clock stop's reason, else on-clock or closed")
        found.raise_any()
    return view


_NONE: Final = CodeableConcept()
_VIEW_PATHS: Final = {
    "nhs_number": "ServiceRequest.subject.identifier",
    "requesting_la": "ServiceRequest.requester.identifier",
    "health_body": "ServiceRequest.performer[0].identifier",
    "requested_on": "ServiceRequest.authoredOn",
    "statutory_due_date": "Task.restriction.period.end",
    "clock_stops": "Task.extension",
}


def _clock_stop(extension: Extension, expression: str, found: FoundIssues) -> dict[str, object]:
    parts = {part.url: part for part in extension.extension or []}
    reason = parts["reason"].valueCoding if "reason" in parts else None
    if reason is None or reason.system != CLOCK_STOP_REASON_SYSTEM or reason.code not in set(AdviceClockStopReason):
        found.add(f"{expression}.extension", "A reason coded from the reg 8(2) exceptions is required", "code-invalid")
    period = parts["period"].valuePeriod if "period" in parts else None
    ended = period and period.end
    return {
        "reason": reason and reason.code,
        "started_on": london_date(period and period.start, f"{expression}.extension", found),
        "ended_on": None if ended is None else london_date(ended, f"{expression}.extension", found),
    }


def read_advice_request_id(reference: Reference | None, expression: str, found: FoundIssues) -> UUID | None:
    """The advice request a reference points to, by identifier or by ``ServiceRequest/<id>`` URL, if any."""
    identifier = reference.identifier if reference else None
    if identifier is not None and identifier.system == ADVICE_REQUEST_IDENTIFIER_SYSTEM:
        return read_uuid(identifier.value, f"{expression}.identifier.value", found)
    match = _SERVICE_REQUEST.search(reference.reference or "") if reference else None
    return read_uuid(match.group(1), f"{expression}.reference", found) if match else None


def _read_child(reference: Reference | None, expression: str, found: FoundIssues) -> tuple[UUID, str | None] | None:
    """The platform's person id and, when given, the NHS number (either national system, normalised)."""
    match = _PATIENT.search(reference.reference or "") if reference else None
    if reference is None or match is None:
        found.add(f"{expression}.reference", "Must reference the child as Patient/<platform person id>", "required")
        return None
    person_id = read_uuid(match.group(1), f"{expression}.reference", found)
    identifier = reference.identifier
    if person_id is None or identifier is None:
        return None if person_id is None else (person_id, None)
    if identifier.system not in NHS_NUMBER_SYSTEMS:
        found.add(
            f"{expression}.identifier.system", f"Must be {NHS_NUMBER}", spine=SpineErrorCode.INVALID_IDENTIFIER_SYSTEM
        )
        return None
    if not is_valid_nhs_number(identifier.value or ""):
        found.add(f"{expression}.identifier.value", "Not a valid NHS number", spine=SpineErrorCode.INVALID_NHS_NUMBER)
        return None
    return person_id, normalise_nhs_number(identifier.value or "")
