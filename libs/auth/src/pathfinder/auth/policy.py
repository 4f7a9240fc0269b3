"""Organisation boundaries. A refusal never says whether the record exists: a caller from another LA learns
nothing from a 403 it would not learn from any other."""

from __future__ import annotations

from pathfinder.auth.principal import OrganisationRole, Principal

ACCESS_DENIED_DETAIL = "You are not allowed to do this."


class AccessDenied(Exception):
    """A policy check refused the principal. ``reason`` is for the service's own log, never for the caller:
    every HTTP API answers it with 403 and the same fixed text (:data:`ACCESS_DENIED_DETAIL`)."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(ACCESS_DENIED_DETAIL)
        self.detail = ACCESS_DENIED_DETAIL
        self.reason = reason


def ensure_la_may_see(principal: Principal, responsible_la: str) -> None:
    """An LA sees only its own children; the platform sees all. NHS principals are refused here: what an NHS
    body may see (for example, what it sent) is for the owning service to decide with its own records."""
    if principal.role is OrganisationRole.PLATFORM:
        return
    if principal.role is OrganisationRole.LOCAL_AUTHORITY and principal.organisation == responsible_la:
        return
    raise AccessDenied(f"{principal.role} {principal.organisation} is not responsible LA {responsible_la}")
