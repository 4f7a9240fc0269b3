"""Reading the archive: finding events, showing one with its place in its child's history, reading the audit.

Every call is audited in the same transaction as what it read, refusals included: who, which slice (as asked
when it was refused, as read when it was allowed), why and what came of it. A call that gives no reason is
refused before anything is read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from pathfinder.auth import Principal
from pathfinder.event_history.domain.access import ensure_engineer, ensure_may_read, may_see, visible_slice
from pathfinder.event_history.domain.archived_event import ArchivedEvent, EventSummary
from pathfinder.event_history.domain.audit import ALLOWED, AuditEntry, given_reason
from pathfinder.event_history.domain.event_slice import EventSlice, SliceQuery
from pathfinder.event_history.domain.history import HistoryPlace, chosen_copy, place_in_history
from pathfinder.event_history.domain.refusals import EventNotFound, Refused
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork

T = TypeVar("T")
Work = Callable[[], Awaitable[tuple[T, Mapping[str, Any]]]]


@dataclass(frozen=True)
class Call:
    """Who calls, why they say they do, and when."""

    principal: Principal
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class EventPage:
    events: list[EventSummary]
    next: int | None  # give it as `after` for the following page; None on the last


@dataclass(frozen=True)
class EventShown:
    event: ArchivedEvent
    also_on: list[str]  # the other topics it was kept on (its dead letters, or its original)
    history: HistoryPlace | None  # None: the event is about no child


async def audited(call: Call, action: str, asked: Mapping[str, Any], uow: EventHistoryUnitOfWork, work: Work[T]) -> T:
    """Run ``work`` (which reads through ``uow``) for a call that gave its reason, and audit the call whatever
    came of it: with the slice ``work`` read when allowed, with ``asked`` when refused."""
    async with uow:
        try:
            given_reason(call.reason)
            result, read = await work()
        except Refused as refused:
            await uow.audit.record(_entry(call, action, asked, refused.outcome))
            await uow.commit()
            raise
        await uow.audit.record(_entry(call, action, read, ALLOWED))
        await uow.commit()
    return result


def _entry(call: Call, action: str, slice_: Mapping[str, Any], outcome: str) -> AuditEntry:
    return AuditEntry.of(call.principal, at=call.at, action=action, slice_=slice_, reason=call.reason, outcome=outcome)


async def find_events(call: Call, query: SliceQuery, *, uow: EventHistoryUnitOfWork) -> EventPage:
    """The events of the slice the caller may read, a page at a time in archive order."""

    async def work() -> tuple[EventPage, Mapping[str, Any]]:
        wanted, page = query.read()
        readable = visible_slice(call.principal, wanted)
        found = await uow.archive.find(readable, after=page.after, limit=page.limit + 1)
        more = len(found) > page.limit
        events = found[: page.limit]
        read = {**readable.as_json(), "after": page.after, "limit": page.limit}
        return EventPage(events, events[-1].position if more else None), read

    return await audited(call, "events.find", query.as_json(), uow, work)


async def show_event(call: Call, event_id: str, *, topic: str | None, uow: EventHistoryUnitOfWork) -> EventShown:
    """One event, on ``topic`` or else its platform topic, with its place in its child's history. Another LA's
    event is answered as one that does not exist."""
    asked = {"event_id": event_id[:100], **({"topic": topic[:249]} if topic else {})}

    async def work() -> tuple[EventShown, Mapping[str, Any]]:
        ensure_may_read(call.principal)
        try:
            wanted_id = UUID(event_id)
        except ValueError:
            raise EventNotFound() from None
        copies = await uow.archive.copies(wanted_id)
        shown = chosen_copy(copies, topic)
        if shown is None:
            raise EventNotFound()
        if not may_see(call.principal, shown.summary()):
            raise EventNotFound(withheld=True)
        history = None
        if shown.person_id is not None:
            childs = visible_slice(call.principal, EventSlice(person_id=shown.person_id))
            history = place_in_history(shown.summary(), await uow.archive.person_events(childs))
        also_on = [one.topic for one in copies if one.topic != shown.topic]
        return EventShown(shown, also_on, history), {"event_id": str(wanted_id), "topic": shown.topic}

    return await audited(call, "events.show", asked, uow, work)


async def archive_end(call: Call, *, uow: EventHistoryUnitOfWork) -> int:
    """The archive's last position now: where following it (``tail``) starts. Anyone who may read events."""

    async def work() -> tuple[int, Mapping[str, Any]]:
        ensure_may_read(call.principal)
        end = await uow.archive.end()
        return end, {"position": end}

    return await audited(call, "archive.end", {}, uow, work)


async def read_audit(
    call: Call, *, since: str | None, limit: str | None, uow: EventHistoryUnitOfWork
) -> list[AuditEntry]:
    """The audit, oldest first from ``since``: the platform's engineers only."""
    asked = {name: value[:200] for name, value in (("since", since), ("limit", limit)) if value is not None}

    async def work() -> tuple[list[AuditEntry], Mapping[str, Any]]:
        ensure_engineer(call.principal)
        page = SliceQuery(since=since, limit=limit)
        wanted, request = page.read()
        entries = await uow.audit.entries(since=wanted.since, limit=request.limit)
        return entries, {"since": wanted.since.isoformat() if wanted.since else None, "limit": request.limit}

    return await audited(call, "audit.read", asked, uow, work)
