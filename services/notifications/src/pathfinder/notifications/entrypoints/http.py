"""The notifications HTTP API (JSON). The FHIR $process-message endpoint joins it with the full s23 feature."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from pathfinder.auth import AccessDenied, OrganisationRole, Principal, Scope, ensure_la_may_see
from pathfinder.web.access import require_scopes
from pathfinder.contracts import LaCode, OdsCode
from pathfinder.notifications import handlers
from pathfinder.notifications.domain.early_years_notification import NotificationRejected
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from pathfinder.web.problems import Problem
from pydantic import BaseModel, ConfigDict, Field

router = APIRouter(prefix="/early-years-notifications", tags=["early-years notifications"])


class EarlyYearsNotificationSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: UUID = Field(description="Pseudonymous platform person id of the child")
    responsible_la: LaCode
    notifying_organisation: OdsCode
    opinion_formed_on: date
    parent_informed: bool = Field(description="s23(2)(a): the parent was informed of the opinion")
    discussion_offered: bool = Field(description="s23(2)(b): the parent was offered a discussion")


class NotificationAccepted(BaseModel):
    id: UUID
    status: str
    status_url: str


class NotificationStatusView(BaseModel):
    id: UUID
    status: str
    responsible_la: str
    received_at: datetime


def unit_of_work(request: Request) -> NotificationsUnitOfWork:
    factory = request.app.state.unit_of_work
    uow: NotificationsUnitOfWork = factory()
    return uow


UnitOfWork = Annotated[NotificationsUnitOfWork, Depends(unit_of_work)]


NOT_FOUND = Problem(404, "Not Found", "No early-years notification has that id.")
NHS_BODIES = frozenset({OrganisationRole.ICB, OrganisationRole.NHS_TRUST})


def may_act_for(principal: Principal, notifying_organisation: str) -> bool:
    """An NHS body acts only for itself; the platform (backfills, operators) for any."""
    if principal.role is OrganisationRole.PLATFORM:
        return True
    return principal.role in NHS_BODIES and principal.organisation == notifying_organisation


@router.post("", status_code=202, response_model=NotificationAccepted, summary="Submit an early-years notification")
async def submit(
    submission: EarlyYearsNotificationSubmission,
    uow: UnitOfWork,
    request: Request,
    response: Response,
    principal: Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_SUBMIT))],
) -> NotificationAccepted:
    if not may_act_for(principal, submission.notifying_organisation):
        raise AccessDenied("notifying_organisation is not the caller's organisation")
    try:
        notification = await handlers.submit_early_years_notification(
            handlers.SubmitEarlyYearsNotification(**submission.model_dump()), uow
        )
    except NotificationRejected as rejection:
        raise Problem(422, "Notification rejected", rejection.reason) from None
    status_url = str(request.url_for("notification_status", notification_id=notification.id))
    response.headers["Location"] = status_url
    return NotificationAccepted(id=notification.id, status=notification.status.value, status_url=status_url)


@router.get(
    "/{notification_id}", response_model=NotificationStatusView, name="notification_status", tags=["person-data"]
)
async def status(
    notification_id: UUID,
    uow: UnitOfWork,
    principal: Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_READ))],
) -> NotificationStatusView:
    notification = await handlers.early_years_notification(notification_id, uow)
    if notification is None:
        raise NOT_FOUND
    if not may_act_for(principal, notification.notifying_organisation):
        ensure_la_may_see(principal, notification.responsible_la)
    return NotificationStatusView(
        id=notification.id,
        status=notification.status.value,
        responsible_la=notification.responsible_la,
        received_at=notification.received_at,
    )
