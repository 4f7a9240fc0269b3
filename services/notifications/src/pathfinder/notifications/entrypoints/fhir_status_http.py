"""What became of notifications, for the NHS body that sent them and the LA they concern.

``GET /fhir/early-years-notifications/{id}``: one notification's status. ``GET /fhir/early-years-notifications``:
the sender's own notifications, newest first, filtered by status, so a trust's system finds those an LA has
not acknowledged in time without polling each (the pull side of a MESH non-delivery report).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pathfinder.auth import Scope
from pathfinder.contracts.fhir import SpineErrorCode
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification, NotificationStatus
from pathfinder.notifications.domain.notification_access import NHS_BODIES, may_read
from pathfinder.notifications.entrypoints.fhir_guards import (
    FhirError,
    access_denied,
    fhir_error_responses,
    fhir_principal,
)
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies
from pathfinder.notifications.entrypoints.status_pages import (
    NEXT_PAGE_DESCRIPTION,
    PAGE_DESCRIPTION,
    page_position,
    page_token,
)
from pathfinder.notifications.service_layer.submissions import early_years_notification, sent_notifications
from pydantic import BaseModel, Field

router = APIRouter(prefix="/fhir", tags=["early-years notifications (FHIR)"])


class NotificationStatusView(BaseModel):
    id: UUID
    status: NotificationStatus
    notifying_organisation: str
    message_id: str | None = Field(
        description="The sender's own id of the message (the Bundle's MessageHeader id or the Communication id): "
        "how a sender that had no answer of its own (one that sent by MESH, say) finds its notification here"
    )
    responsible_la: str | None = Field(
        description="The LA responsible for the child, as the person index holds it once the child is named: the "
        "notification goes there, whatever LA was named"
    )
    named_la: str | None = Field(description="The LA the sender named, or the child's postcode gave")
    received_at: datetime
    reasons: list[str] = Field(description="Why it was rejected: every statutory reason that applies")
    notified_on: date | None = Field(
        description="The day the NHS body brought its opinion to the LA's attention (Communication.sent)"
    )
    days_from_opinion_to_notification: int | None = Field(
        description="Days from forming the opinion to notifying the LA: s23 sets no limit, but the LA can plan "
        "sooner the sooner it hears"
    )
    notified_after_compulsory_school_age: bool | None = Field(
        description="The opinion was formed while the child was under compulsory school age (so s23 applies), "
        "but the notification came once the child had reached it"
    )
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


class NotificationStatusPage(BaseModel):
    notifications: list[NotificationStatusView]
    next_page: str | None = Field(description=NEXT_PAGE_DESCRIPTION)


def _page_position(token: str) -> tuple[datetime, UUID]:
    position = page_position(token)
    if position is None:
        raise FhirError.one(400, "invalid", "page is not a token this list gave", SpineErrorCode.INVALID_PARAMETER)
    return position


def _view(notification: EarlyYearsNotification, due_after: timedelta) -> NotificationStatusView:
    timeliness = notification.timeliness
    return NotificationStatusView(
        id=notification.id,
        status=notification.status,
        notifying_organisation=notification.notifying_organisation,
        message_id=notification.message_id,
        responsible_la=notification.responsible_la,
        named_la=notification.named_la,
        received_at=notification.received_at,
        reasons=[reason.value for reason in notification.reasons],
        notified_on=timeliness.notified_on if timeliness else None,
        days_from_opinion_to_notification=timeliness.days_from_opinion if timeliness else None,
        notified_after_compulsory_school_age=timeliness.notified_after_compulsory_school_age if timeliness else None,
        delivered_at=notification.delivered_at,
        delivery_channel=notification.delivery_channel,
        acknowledgement_due_at=notification.acknowledgement_due_at(due_after),
        acknowledgement_overdue_at=notification.acknowledgement_overdue_at,
        acknowledged_at=notification.acknowledged_at,
        la_reference=notification.la_reference,
    )


@router.get(
    "/early-years-notifications/{notification_id}",
    name="notification_status",
    tags=["person-data"],
    response_model=NotificationStatusView,
    summary="What became of a notification: received, delivered, acknowledged (or overdue), or rejected",
    responses=fhir_error_responses(401, 403, 404, parameter_validation=True),
)
async def notification_status(
    notification_id: str, request: Request, dependencies: Dependencies
) -> NotificationStatusView:
    """The sender's view of its notification, and the responsible LA's once the notification was brought to its
    attention (where every ``ce_dataref`` of a notification event points); each status is described with the
    ``NotificationStatus`` schema. An LA never reads a notification while it awaits identity or was rejected:
    s23(2) has the LA hear of a child only once the parent was informed and the child is named. It may list those
    naming it that are held, with nothing about the child, at ``GET /early-years-notifications/held``."""
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_READ)
    not_found = FhirError.one(
        404, "not-found", "No early-years notification has that id", SpineErrorCode.RESOURCE_NOT_FOUND
    )
    try:
        wanted = UUID(notification_id)
    except ValueError:
        raise not_found from None
    notification = await early_years_notification(wanted, uow=dependencies.unit_of_work())
    if notification is None:
        raise not_found
    if not may_read(principal, notification):
        raise not_found  # another party's notification is answered as one that does not exist
    return _view(notification, dependencies.acknowledgement_due_after)


@router.get(
    "/early-years-notifications",
    response_model=NotificationStatusPage,
    summary="The calling NHS body's notifications, newest first, optionally only those with one status",
    responses=fhir_error_responses(
        400, 401, 403, parameter_validation=True, described={400: "page is not a token this list gave"}
    ),
)
async def sent_notification_statuses(
    request: Request,
    dependencies: Dependencies,
    status: Annotated[NotificationStatus | None, Query(description="Only notifications with this status")] = None,
    page: Annotated[str | None, Query(max_length=100, description=PAGE_DESCRIPTION)] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=200)] = 50,
) -> NotificationStatusPage:
    """An NHS body's own notifications, newest first, page by page (``next_page``): e.g.
    ``?status=acknowledgement-overdue`` for those the LA has not acknowledged in time. An LA is refused: it
    learns of notifications from its subscriptions, and of those held for it from
    ``GET /early-years-notifications/held``."""
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_READ)
    if principal.role not in NHS_BODIES or principal.organisation is None:
        # An LA learns of notifications from its subscriptions; this list is the sender's own.
        raise access_denied()
    found = await sent_notifications(
        principal.organisation,
        uow=dependencies.unit_of_work(),
        status=status,
        older_than=_page_position(page) if page is not None else None,
        limit=count + 1,
    )
    due_after = dependencies.acknowledgement_due_after
    return NotificationStatusPage(
        notifications=[_view(notification, due_after) for notification in found[:count]],
        next_page=page_token(found[count - 1]) if len(found) > count else None,
    )
