"""Reading an advice request back from its ServiceRequest and Task, as an NHS system returns them."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from pathfinder.contracts.fhir.advice_codes import (
    ADVICE_KIND_SYSTEM,
    ADVICE_REQUEST_CATEGORY_SYSTEM,
    ADVICE_REQUEST_IDENTIFIER_SYSTEM,
    ASSIGNEE_IDENTIFIER_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    EHC_ASSESSMENT_ADVICE,
    PROVIDER_TEAM_IDENTIFIER_SYSTEM,
    TASK_CODE_SYSTEM,
)
from pathfinder.contracts.fhir.advice_request import (
    PATIENT,
    SERVICE_REQUEST,
    STATUS_OF_TASK,
    STATUSES,
    AdviceRequestView,
)
from pathfinder.contracts.fhir.nhs_number import is_valid_nhs_number, normalise_nhs_number
from pathfinder.contracts.fhir.outcome import SpineErrorCode, parse_resource
from pathfinder.contracts.fhir.reading import (
    FoundIssues,
    codes_in,
    london_date,
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
    owner = work.owner.identifier if work.owner else None
    owned: dict[str, object] = {}
    if owner is not None and owner.system in _OWNERS:
        owned[_OWNERS[owner.system]] = owner.value
        if not owner.value:
            found.add("Task.owner.identifier.value", "The team or the assignee is required", "required")
    else:
        found.same("Task.owner", ods, read_identifier(work.owner, "Task.owner", ODS_ORGANIZATION_CODE, found))
    requested_on = london_date(request.authoredOn, "ServiceRequest.authoredOn", found)
    found.same("Task.authoredOn", requested_on, london_date(work.authoredOn, "Task.authoredOn", found))
    period = work.restriction.period if work.restriction else None
    status = STATUS_OF_TASK.get(str(work.status))
    if status is None:
        found.add("Task.status", "Not a status an advice request can have", "code-invalid")
    elif request.status != STATUSES[status][1]:
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
        **owned,
    }
    view = found.model(AdviceRequestView, fields, _VIEW_PATHS, "Task")
    business_status = [(coding.system, coding.code) for coding in (work.businessStatus or _NONE).coding or []]
    if business_status != [view.clock_state[:2]]:
        found.conflict("Task.businessStatus", "Must be the open clock stop's reason, else on-clock or closed")
        found.raise_any()
    return view


_NONE: Final = CodeableConcept()
_OWNERS: Final = {ASSIGNEE_IDENTIFIER_SYSTEM: "assigned_to", PROVIDER_TEAM_IDENTIFIER_SYSTEM: "owner_team"}
_VIEW_PATHS: Final = {
    "nhs_number": "ServiceRequest.subject.identifier",
    "requesting_la": "ServiceRequest.requester.identifier",
    "health_body": "ServiceRequest.performer[0].identifier",
    "requested_on": "ServiceRequest.authoredOn",
    "statutory_due_date": "Task.restriction.period.end",
    "clock_stops": "Task.extension",
    "owner_team": "Task.owner",
    "assigned_to": "Task.owner",
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
    match = SERVICE_REQUEST.search(reference.reference or "") if reference else None
    return read_uuid(match.group(1), f"{expression}.reference", found) if match else None


def _read_child(reference: Reference | None, expression: str, found: FoundIssues) -> tuple[UUID, str | None] | None:
    """The platform's person id and, when given, the NHS number (either national system, normalised)."""
    match = PATIENT.search(reference.reference or "") if reference else None
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
