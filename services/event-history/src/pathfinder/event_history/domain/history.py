"""One event's place in its child's history, and which copy of an event id is meant.

A child's history is the child's events on the platform's topics (not their dead-letter copies), in the order
they happened (``ce_time``; the record's time for a record without one), archive order breaking ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pathfinder.event_history.domain.archived_event import ArchivedEvent, EventSummary

AROUND = 5


@dataclass(frozen=True)
class HistoryPlace:
    person_id: UUID
    index: int  # 1 for the child's first event
    of: int
    before: tuple[EventSummary, ...]  # up to AROUND, nearest last
    after: tuple[EventSummary, ...]  # up to AROUND, nearest first


def _when(event: EventSummary) -> tuple[datetime, int]:
    return (event.occurred_at or event.record_time, event.position)


def place_in_history(event: EventSummary, history: Sequence[EventSummary], *, around: int = AROUND) -> HistoryPlace:
    """Where ``event`` stands among ``history`` (the child's events the caller may see). A dead-letter copy stands
    where its original does."""
    assert event.person_id is not None
    events = sorted((one for one in history if not one.is_dead_letter), key=_when)
    anchor = next((one for one in events if one.event_id == event.event_id), event)
    earlier = [one for one in events if _when(one) < _when(anchor) and one.event_id != anchor.event_id]
    later = [one for one in events if _when(one) > _when(anchor) and one.event_id != anchor.event_id]
    counted = len(events) if anchor in events else len(events) + 1
    return HistoryPlace(
        person_id=event.person_id,
        index=len(earlier) + 1,
        of=counted,
        before=tuple(earlier[-around:]) if around else (),
        after=tuple(later[:around]),
    )


def chosen_copy(copies: Sequence[ArchivedEvent], topic: str | None) -> ArchivedEvent | None:
    """The copy of one event id that is meant: the one on ``topic`` if named, else the one on its platform topic,
    else (only dead letters were kept) the first kept."""
    if topic is not None:
        return next((one for one in copies if one.topic == topic), None)
    ordered = sorted(copies, key=lambda one: (one.is_dead_letter, one.position or 0))
    return ordered[0] if ordered else None
