"""Lists of notifications, newest first, page by page: a page token is the (received_at, id) of the last one a
page showed, so a notification arriving meanwhile neither shifts a page nor appears twice."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification

PAGE_DESCRIPTION = "next_page of the previous answer"
NEXT_PAGE_DESCRIPTION = "Pass as `page` for the next, older page; absent at the end"


def page_token(notification: EarlyYearsNotification) -> str:
    return f"{notification.received_at.isoformat()}_{notification.id}"


def page_position(token: str) -> tuple[datetime, UUID] | None:
    """Where the page of ``token`` starts; None if no list gave that token."""
    received_at, _, notification_id = token.rpartition("_")
    try:
        instant, after = datetime.fromisoformat(received_at), UUID(notification_id)
        # Near year 1 or 9999 an offset takes the instant out of PostgreSQL's range: no token looks like that.
        utc = instant.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if instant.tzinfo is None:
        return None
    return utc, after
