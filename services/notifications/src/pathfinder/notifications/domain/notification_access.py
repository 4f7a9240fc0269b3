"""Who may do what with an early-years notification: an NHS body acts only for itself, the platform (backfills,
operators) for any; an LA sees only the notifications brought to its attention about its own children, and of
those naming it that are still held, only that they are."""

from __future__ import annotations

from pathfinder.auth import OrganisationRole, Principal
from pathfinder.notifications.domain.early_years_notification import EarlyYearsNotification

NHS_BODIES = frozenset({OrganisationRole.ICB, OrganisationRole.NHS_TRUST})


def may_act_for(principal: Principal, notifying_organisation: str) -> bool:
    if principal.role is OrganisationRole.PLATFORM:
        return True
    return principal.role in NHS_BODIES and principal.organisation == notifying_organisation


def may_read(principal: Principal, notification: EarlyYearsNotification) -> bool:
    if principal.role is not OrganisationRole.LOCAL_AUTHORITY:
        return may_act_for(principal, notification.notifying_organisation)
    return principal.organisation == notification.responsible_la and notification.brought_to_la


def held_list_of(principal: Principal) -> str | None:
    """The LA whose held notifications ``principal`` may list (those naming it, while identity has still to name
    the child): only an LA, for itself. It learns that each is held, since when and why, never about the child:
    s23(2) has the LA hear of the child only once the child is named (docs/decisions/0005)."""
    return principal.la_code
