"""What became of notifications, for the NHS body that sent them and the LA they concern.

``GET /fhir/early-years-notifications/{id}``: one notification's status. ``GET /fhir/early-years-notifications``:
the sender's own notifications, newest first, filtered by status, so a trust's system finds those an LA has
not acknowledged in time without polling each (the pull side of a MESH non-delivery report).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.contracts.fhir import SpineErrorCode
from pathfinder.notifications.domain.inbound_notification import InboundNotification, InboundStatus
from pathfinder.notifications.entrypoints.fhir_http import components
from pathfinder.notifications.entrypoints.http import NHS_BODIES, may_act_for
from pathfinder.notifications.entrypoints.inbound_input import (
    FhirError,
    access_denied,
    fhir_error_responses,
    fhir_principal,
)
from pathfinder.notifications.inbound_status import inbound_notification, sent_notifications
from pydantic import BaseModel, Field

router = APIRouter(prefix="/fhir", tags=["early-years notifications (FHIR)"])
# What an LA may see: notifications brought to its attention, never those rejected or still being resolved.
SEEN_BY_LA = frozenset(
    {
        InboundStatus.RECEIVED,
        InboundStatus.DELIVERED,
        InboundStatus.ACKNOWLEDGEMENT_OVERDUE,
        InboundStatus.ACKNOWLEDGED,
    }
)


class InboundStatusView(BaseModel):
    id: UUID
    status: InboundStatus
    notifying_organisation: str
    responsible_la: str | None
    received_at: datetime
    reasons: list[str] = Field(description="Why it was rejected: every statutory reason that applies")
    delivered_at: datetime | None = Field(description="First delivery to the responsible LA's system")
    delivery_channel: str | None
    acknowledgement_due_at: datetime | None = Field(
        description="When the LA's acknowledgement is expected by, once delivered and until acknowledged"
    )
    acknowledgement_overdue_at: datetime | None = Field(
        description="When the platform raised the alert that the LA had not acknowledged in time"
    )
    acknowledged_at: datetime | None
    la_reference: str | None = Field(description="The LA's own reference for the notification")


class InboundStatusPage(BaseModel):
    notifications: list[InboundStatusView]
    next_page: str | None = Field(description="Pass as `page` for the next, older page; absent at the end")


def _page_token(notification: InboundNotification) -> str:
    return f"{notification.received_at.isoformat()}_{notification.id}"


def _page_position(token: str) -> tuple[datetime, UUID]:
    received_at, _, notification_id = token.rpartition("_")
    refused = FhirError.one(400, "invalid", "page is not a token this list gave", SpineErrorCode.INVALID_PARAMETER)
    try:
        instant, after = datetime.fromisoformat(received_at), UUID(notification_id)
        # Near year 1 or 9999 an offset takes the instant out of PostgreSQL's range: no token looks like that.
        utc = instant.astimezone(UTC)
    except (ValueError, OverflowError):
        raise refused from None
    if instant.tzinfo is None:
        raise refused
    return utc, after


def _due_after(request: Request) -> timedelta:
    return components(request).acknowledgement_due_after


def _view(notification: InboundNotification, due_after: timedelta) -> InboundStatusView:
    return InboundStatusView(
        id=notification.id,
        status=notification.status,
        notifying_organisation=notification.notifying_organisation,
        responsible_la=notification.responsible_la,
        received_at=notification.received_at,
        reasons=[reason.value for reason in notification.reasons],
        delivered_at=notification.delivered_at,
        delivery_channel=notification.delivery_channel,
        acknowledgement_due_at=notification.acknowledgement_due_at(due_after),
        acknowledgement_overdue_at=notification.acknowledgement_overdue_at,
        acknowledged_at=notification.acknowledged_at,
        la_reference=notification.la_reference,
    )


@router.get(
    "/early-years-notifications/{notification_id}",
    name="inbound_notification_status",
    tags=["person-data"],
    response_model=InboundStatusView,
    summary="What became of a notification: received, delivered, acknowledged (or overdue), or rejected",
    responses=fhir_error_responses(401, 403, 404, parameter_validation=True),
)
async def notification_status(notification_id: str, request: Request) -> InboundStatusView:
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_READ)
    not_found = FhirError.one(
        404, "not-found", "No early-years notification has that id", SpineErrorCode.RESOURCE_NOT_FOUND
    )
    try:
        wanted = UUID(notification_id)
    except ValueError:
        raise not_found from None
    notification = await inbound_notification(wanted, uow=components(request).unit_of_work())
    if notification is None:
        raise not_found
    if not _may_read(principal, notification):
        raise access_denied()
    return _view(notification, _due_after(request))


@router.get(
    "/early-years-notifications",
    response_model=InboundStatusPage,
    summary="The calling NHS body's notifications, newest first, optionally only those with one status",
    responses=fhir_error_responses(
        400, 401, 403, parameter_validation=True, described={400: "page is not a token this list gave"}
    ),
)
async def sent_notification_statuses(
    request: Request,
    status: Annotated[InboundStatus | None, Query(description="Only notifications with this status")] = None,
    page: Annotated[str | None, Query(max_length=100, description="next_page of the previous answer")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=200)] = 50,
) -> InboundStatusPage:
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_READ)
    if principal.role not in NHS_BODIES or principal.organisation is None:
        # An LA learns of notifications from its subscriptions; this list is the sender's own.
        raise access_denied()
    found = await sent_notifications(
        principal.organisation,
        uow=components(request).unit_of_work(),
        status=status,
        older_than=_page_position(page) if page is not None else None,
        limit=count + 1,
    )
    due_after = _due_after(request)
    return InboundStatusPage(
        notifications=[_view(notification, due_after) for notification in found[:count]],
        next_page=_page_token(found[count - 1]) if len(found) > count else None,
    )


def _may_read(principal: Principal, notification: InboundNotification) -> bool:
    if principal.role is not OrganisationRole.LOCAL_AUTHORITY:
        return may_act_for(principal, notification.notifying_organisation)
    return principal.organisation == notification.responsible_la and notification.status in SEEN_BY_LA
