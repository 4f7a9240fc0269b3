"""Who may read what of the archive (ADR 0011). ``events:engineer``, a platform scope, reads every event. An LA's
client holding ``events:replay`` reads its own LA's events only: its slice is narrowed to its LA before anything
else is done with it, so no query of an LA can reach another LA's child; asking for another LA is refused.
Anyone else is refused."""

from __future__ import annotations

from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.event_history.domain.archived_event import EventSummary
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import AnotherLasEvents, NotAllowed

NOT_ALLOWED = (
    "Reading the event history needs events:engineer (the platform's engineers) or events:replay (an LA's own "
    "events, for an LA's client)."
)


def is_engineer(principal: Principal) -> bool:
    # The scope is granted to platform organisations only; a token claiming it for anyone else is not believed.
    return principal.role is OrganisationRole.PLATFORM and principal.has_scope(Scope.EVENTS_ENGINEER)


def la_reader(principal: Principal) -> str | None:
    """The LA whose events ``principal`` may read, when it is an LA's client that may."""
    return principal.la_code if principal.has_scope(Scope.EVENTS_REPLAY) else None


def visible_slice(principal: Principal, wanted: EventSlice) -> EventSlice:
    """``wanted`` as ``principal`` may read it, or why not."""
    if is_engineer(principal):
        return wanted
    own_la = la_reader(principal)
    if own_la is None:
        raise NotAllowed(NOT_ALLOWED)
    if wanted.la_code is not None and wanted.la_code != own_la:
        raise AnotherLasEvents(
            f"An LA reads only its own LA's events: this token is LA {own_la}'s and the slice asks for LA "
            f"{wanted.la_code}'s."
        )
    return wanted.for_la(own_la)


def ensure_may_read(principal: Principal) -> None:
    """Anything of the archive at all (before an event is looked up)."""
    if not is_engineer(principal) and la_reader(principal) is None:
        raise NotAllowed(NOT_ALLOWED)


def may_see(principal: Principal, event: EventSummary) -> bool:
    return is_engineer(principal) or (la_reader(principal) or "") == event.la_code


def ensure_engineer(principal: Principal) -> None:
    if not is_engineer(principal):
        raise NotAllowed("Reading the audit of the event history needs events:engineer.")
