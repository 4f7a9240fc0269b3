"""An advice request as FHIR R4, as :mod:`pathfinder.contracts.fhir.advice_request` shapes it: its ServiceRequest
and Task, with the Task's version (``meta.versionId``, the ``ETag``) and, once submitted, the platform's record of
the advice as the Task's output (a contained DocumentReference or QuestionnaireResponse, without its content).

The requesting LA reads the status only: no clock stops' history, no team or assignee, no advice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final
from uuid import UUID

from fastapi import Request
from pathfinder.contracts.fhir import FhirInputRejected, advice_request_resources, parse_submitted_advice
from pathfinder.contracts.fhir.advice import submitted_advice_resource
from pathfinder.contracts.fhir.advice_codes import ADVICE_REQUEST_CATEGORY_SYSTEM, EHC_ASSESSMENT_ADVICE
from pathfinder.contracts.fhir.advice_request import AdviceRequestStatus, AdviceRequestView, ClockStop
from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pathfinder.health_advice.domain.clock import london_date
from pathfinder.health_advice.service_layer.advice_requests import SeenRequest

ADVICE_OUTPUT_ID: Final = "advice"
"""The id of the contained advice a completed Task's output references (``#advice``)."""
ADVICE_OUTPUT_TYPE: Final = {
    "coding": [
        {
            "system": ADVICE_REQUEST_CATEGORY_SYSTEM,
            "code": EHC_ASSESSMENT_ADVICE[0],
            "display": EHC_ASSESSMENT_ADVICE[1],
        }
    ]
}


def fhir_base(request: Request) -> str:
    """The FHIR base URL as the caller reached it: references in the resources resolve on it."""
    return f"{str(request.base_url).rstrip('/')}/fhir"


def london_today() -> date:
    return london_date(datetime.now(UTC))


def version(request: AdviceRequest) -> str:
    """Every step the request took is kept in its history, so their count is its version."""
    return str(len(request.history))


def etag(request: AdviceRequest) -> str:
    return f'W/"{version(request)}"'


def view_of(seen: SeenRequest, today: date) -> AdviceRequestView:
    request = seen.request
    assigned_to = request.assigned_to if seen.in_full else None
    return AdviceRequestView(
        advice_request_id=request.advice_request_id,
        person_id=request.person_id,
        requesting_la=request.requesting_la,
        health_body=request.icb,
        requested_on=request.received_on,
        statutory_due_date=request.submitted_due_on or request.due_on(today),
        status=AdviceRequestStatus(request.status.value),
        clock_stops=tuple(
            ClockStop(reason=stop.reason, started_on=stop.started_on, ended_on=stop.ended_on)
            for stop in request.clock_stops
        ),
        owner_team=request.team_id if seen.in_full and assigned_to is None else None,
        assigned_to=assigned_to,
    )


def service_request_resource(seen: SeenRequest, *, base_url: str, today: date) -> dict[str, Any]:
    service_request, _ = advice_request_resources(view_of(seen, today), base_url=base_url)
    service_request["meta"] = _meta(seen.request)
    return service_request


def task_resource(seen: SeenRequest, *, base_url: str, today: date) -> dict[str, Any]:
    """The Task as the caller may see it."""
    _, task = advice_request_resources(view_of(seen, today), base_url=base_url)
    task["meta"] = _meta(seen.request)
    if not seen.in_full:
        task.pop("extension", None)
        return task
    advice = advice_record(seen.request, base_url=base_url)
    if advice is not None:
        task["contained"] = [advice]
        reference = {"reference": f"#{ADVICE_OUTPUT_ID}", "type": advice["resourceType"]}
        task["output"] = [{"type": ADVICE_OUTPUT_TYPE, "valueReference": reference}]
    return task


def advice_record(request: AdviceRequest, *, base_url: str) -> dict[str, Any] | None:
    """The platform's record of the advice submitted through FHIR (where it is, who gave it, when), if any."""
    if request.advice is None:
        return None
    try:
        submitted = parse_submitted_advice(request.advice, advice_request_id=request.advice_request_id)
    except FhirInputRejected:
        return None  # kept as given, but not advice this API can describe
    record = submitted_advice_resource(submitted, base_url=base_url)
    record["id"] = ADVICE_OUTPUT_ID
    return record


def task_url(base_url: str, advice_request_id: UUID) -> str:
    return f"{base_url}/Task/{advice_request_id}"


def _meta(request: AdviceRequest) -> dict[str, str]:
    meta = {"versionId": version(request)}
    if request.history:
        meta["lastUpdated"] = request.history[-1].at.astimezone(UTC).isoformat()
    return meta
