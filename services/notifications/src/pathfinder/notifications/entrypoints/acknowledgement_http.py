"""``POST /early-years-notifications/{id}/acknowledgement``: the responsible LA takes a notification on, with its
own reference; the sender sees it in the notification's status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Response
from pathfinder.auth import AccessDenied, Principal, Scope, withheld_as_missing
from pathfinder.contracts import Reference
from pathfinder.notifications.domain.early_years_notification import AcknowledgedOtherwise
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies
from pathfinder.notifications.service_layer.acknowledgements import acknowledge_notification
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem, problem_responses
from pydantic import BaseModel, ConfigDict

router = APIRouter(tags=["LA subscriptions"])
Acknowledge = Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_ACKNOWLEDGE))]


class AcknowledgementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    la_reference: Reference | None = None


class AcknowledgementView(BaseModel):
    notification_id: UUID
    la_reference: str | None
    acknowledged_at: datetime


@router.post(
    "/early-years-notifications/{notification_id}/acknowledgement",
    status_code=201,
    response_model=AcknowledgementView,
    tags=["person-data"],
    summary="The responsible LA acknowledges a notification",
    responses={
        200: {"model": AcknowledgementView, "description": "Acknowledged before: the first acknowledgement"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def acknowledge(
    notification_id: UUID,
    dependencies: Dependencies,
    principal: Acknowledge,
    response: Response,
    asked: Annotated[AcknowledgementRequest | None, Body()] = None,
) -> AcknowledgementView:
    """201: the LA has taken the notification on (``la_reference``: its own case reference, shown to the
    sender); the sender's status turns to ``acknowledged``. A repeat answers 200 with the first acknowledgement;
    a repeat naming another reference is refused (409), as the sender was told the first."""
    if principal.la_code is None:
        raise AccessDenied("only a local authority acknowledges a notification")
    reference = asked.la_reference if asked is not None else None
    not_found = Problem(404, "Not Found", "No early-years notification has that id.")
    try:
        with withheld_as_missing(not_found):  # another LA's notification is answered as one that does not exist
            made = await acknowledge_notification(
                notification_id, reference, by_la=principal.la_code, uow=dependencies.unit_of_work()
            )
    except AcknowledgedOtherwise as first:
        detail = (
            f"The notification was acknowledged at {first.acknowledged_at.isoformat()} with la_reference "
            f"{first.first_reference!r}; a repeated acknowledgement must name the same reference, or none."
        )
        raise Problem(409, "Conflict", detail, la_reference=first.first_reference) from None
    if made is None:
        raise not_found
    response.status_code = 201 if made.new else 200
    return AcknowledgementView(
        notification_id=made.notification_id, la_reference=made.la_reference, acknowledged_at=made.acknowledged_at
    )
