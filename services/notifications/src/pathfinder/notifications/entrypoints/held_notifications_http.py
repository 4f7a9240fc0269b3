"""``GET /early-years-notifications/held``: an LA learns that notifications naming it are held while identity has
still to name the child (identity away, or a possible match waiting for a person's decision). It learns the
notification's id, its status, since when and why, and nothing about the child (docs/decisions/0005)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pathfinder.auth import Principal, Scope
from pathfinder.notifications.domain.early_years_notification import (
    EarlyYearsNotification,
    HeldBecause,
    NotificationStatus,
)
from pathfinder.notifications.domain.notification_access import held_list_of
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies
from pathfinder.notifications.entrypoints.status_pages import (
    NEXT_PAGE_DESCRIPTION,
    PAGE_DESCRIPTION,
    page_position,
    page_token,
)
from pathfinder.notifications.service_layer.submissions import held_notifications
from pathfinder.web.access import require_scopes
from pathfinder.web.problems import Problem, problem_responses
from pydantic import BaseModel, Field

router = APIRouter(tags=["LA subscriptions"])
ReadNotifications = Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_READ))]


class HeldNotificationView(BaseModel):
    id: UUID = Field(description="The notification: its events carry this id once the child is named")
    status: NotificationStatus = Field(description="`awaiting-identity` or `awaiting-identity-review`")
    held_since: datetime = Field(description="When the platform accepted it: it has been held since")
    held_because: HeldBecause = Field(
        description="`identity-unavailable`: identity has not answered yet, and the platform asks it again; "
        "`possible-match-review`: identity found a possible match with a child it knows, which a person decides "
        "in identity (`/match-reviews`); the decision releases it to the LA at once"
    )


class HeldNotificationPage(BaseModel):
    notifications: list[HeldNotificationView]
    next_page: str | None = Field(description=NEXT_PAGE_DESCRIPTION)


def _view(notification: EarlyYearsNotification) -> HeldNotificationView:
    held_because = notification.held_because
    assert held_because is not None, "the list holds only notifications awaiting identity"
    return HeldNotificationView(
        id=notification.id, status=notification.status, held_since=notification.received_at, held_because=held_because
    )


@router.get(
    "/early-years-notifications/held",
    response_model=HeldNotificationPage,
    summary="The notifications naming the calling LA that are held until identity names the child",
    responses=problem_responses(400, 401, 403, 422),
)
async def held_for_la(
    dependencies: Dependencies,
    principal: ReadNotifications,
    page: Annotated[str | None, Query(max_length=100, description=PAGE_DESCRIPTION)] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=200)] = 50,
) -> HeldNotificationPage:
    """The calling LA's held notifications, newest first, page by page (``next_page``): those naming it whose
    status is ``awaiting-identity`` or ``awaiting-identity-review``, each with only its id, status, since when
    and why. Nothing about the child: the LA hears of the child once identity names them (s23(2)), on its
    subscriptions. An NHS body is refused: it lists its own with
    ``GET /fhir/early-years-notifications?status=awaiting-identity``."""
    la_code = held_list_of(principal)
    if la_code is None:
        detail = (
            "Only an LA lists the notifications held for it; an NHS body lists its own with "
            "GET /fhir/early-years-notifications?status=awaiting-identity."
        )
        raise Problem(403, "Forbidden", detail)
    position = page_position(page) if page is not None else None
    if page is not None and position is None:
        raise Problem(400, "Bad Request", "page is not a token this list gave.")
    found = await held_notifications(la_code, uow=dependencies.unit_of_work(), older_than=position, limit=count + 1)
    return HeldNotificationPage(
        notifications=[_view(notification) for notification in found[:count]],
        next_page=page_token(found[count - 1]) if len(found) > count else None,
    )
