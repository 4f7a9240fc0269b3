"""Organisation boundaries. A refusal never says whether the record exists: another party's record is answered
exactly as one that does not exist (:func:`withheld_as_missing`), and a refused action with one fixed text."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from pathfinder.auth.principal import OrganisationRole, Principal

log = logging.getLogger(__name__)

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


@contextmanager
def withheld_as_missing(missing: Exception) -> Iterator[None]:
    """Around reading or changing one record by its id: a refusal (:class:`AccessDenied`) becomes ``missing``, the
    very answer the route gives for an id that holds nothing, so that an id tells a caller nothing about records
    it may not see. The reason goes to the log (identity also audits it under the child's LA)."""
    try:
        yield
    except AccessDenied as refused:
        log.info("record withheld: %s", refused.reason)
        raise missing from None
