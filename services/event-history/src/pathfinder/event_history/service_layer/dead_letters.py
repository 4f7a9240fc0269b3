"""Dead letters: listing them per consumer group with the reason and error, showing one, and redriving chosen
ones (or every one matching a filter) to the consumer group that dead-lettered them, once each. Audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pathfinder.event_history.domain.access import may_see, visible_slice
from pathfinder.event_history.domain.dead_letters import DeadLetter, Redriven
from pathfinder.event_history.domain.event_slice import EventSlice, SliceQuery
from pathfinder.event_history.domain.refusals import EventNotFound, InvalidQuery
from pathfinder.event_history.domain.replay_request import checked_group
from pathfinder.event_history.service_layer.ports import ReplaySender
from pathfinder.event_history.service_layer.reading import Call, audited
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork

MAX_REDRIVE = 10_000


@dataclass(frozen=True)
class Redrive:
    redriven: list[DeadLetter]
    skipped: list[tuple[int, str]]  # (position, why not)


@dataclass(frozen=True)
class DeadLetterPage:
    dead_letters: list[DeadLetter]
    next: int | None  # give it as `after` for the following page; None on the last


async def list_dead_letters(
    call: Call, query: SliceQuery, *, group: str | None, uow: EventHistoryUnitOfWork
) -> DeadLetterPage:
    """The dead letters of the slice (of ``group``'s dead-letter topic only, when given) the caller may read, a
    page at a time in archive order."""
    asked = {**query.as_json(), **({"group": group[:200]} if group is not None else {})}

    async def work() -> tuple[DeadLetterPage, Mapping[str, Any]]:
        wanted, page = query.read()
        chosen_group = checked_group(group)
        readable = visible_slice(call.principal, wanted)
        found = await uow.archive.dead_letters(readable, group=chosen_group, after=page.after, limit=page.limit + 1)
        shown = found[: page.limit]
        more = len(found) > page.limit
        read = {**readable.as_json(), "group": chosen_group, "after": page.after, "limit": page.limit}
        return DeadLetterPage(shown, shown[-1].position if more else None), read

    return await audited(call, "dead-letters.list", asked, uow, work)


async def show_dead_letter(call: Call, position: int, *, uow: EventHistoryUnitOfWork) -> DeadLetter:
    async def work() -> tuple[DeadLetter, Mapping[str, Any]]:
        visible_slice(call.principal, EventSlice())
        found = await uow.archive.dead_letter(position)
        if found is None or not may_see(call.principal, found.record.summary()):
            raise EventNotFound()
        return found, {"position": position}

    return await audited(call, "dead-letters.show", {"position": position}, uow, work)


async def redrive(
    call: Call, *, positions: Sequence[int] | None, wanted: EventSlice | SliceQuery | None, group: str | None,
    dry_run: bool, uow: EventHistoryUnitOfWork, sender: ReplaySender,
) -> Redrive:  # fmt: skip
    """Each chosen dead letter (by position, or every one matching a filter) sent back to its consumer group's
    redrive topic, and recorded as redriven in the transaction that follows the broker's acknowledgement; a dead
    letter already redriven is skipped (the consumer would not apply it twice either: its inbox holds it as
    applied once it is)."""
    asked = {"positions": list(positions or [])[:100], "filter": wanted.as_json() if wanted is not None else None,
             "group": group[:200] if group else None, "dry_run": dry_run}  # fmt: skip

    async def work() -> tuple[Redrive, Mapping[str, Any]]:
        if bool(positions) == (wanted is not None):
            raise InvalidQuery("Choose the dead letters to redrive: their positions, or a filter (not both).")
        if positions and len(positions) > MAX_REDRIVE:
            raise InvalidQuery(f"Redrive at most {MAX_REDRIVE:,} dead letters at a time.")
        if positions:
            visible_slice(call.principal, EventSlice())
            chosen = [found for position in dict.fromkeys(positions)
                      if (found := await uow.archive.dead_letter(position, for_update=True)) is not None]  # fmt: skip
            chosen = [one for one in chosen if may_see(call.principal, one.record.summary())]
            missing = sorted(set(positions) - {one.position for one in chosen})
        else:
            assert wanted is not None  # checked above
            filtered = wanted if isinstance(wanted, EventSlice) else wanted.read()[0]
            readable = visible_slice(call.principal, filtered)
            chosen = await uow.archive.dead_letters(readable, group=checked_group(group), after=None,
                                                     limit=MAX_REDRIVE, for_update=True)  # fmt: skip
            missing = []
        skipped = [(position, "no such dead letter here") for position in missing]
        ready: list[DeadLetter] = []
        for one in chosen:
            why = one.why_not_redriven()
            if why is None:
                ready.append(one)
            else:
                skipped.append((one.position, why))
        if ready and not dry_run:
            await sender.redrive([one.record for one in ready])
            mark = Redriven(call.at, call.principal.subject, call.reason or "")
            await uow.archive.mark_redriven([one.position for one in ready], mark)
        read = {**asked, "redriven": [one.position for one in ready][:100], "skipped": len(skipped)}
        return Redrive(ready, skipped), read

    return await audited(call, "dead-letters.dry-run" if dry_run else "dead-letters.redrive", asked, uow, work)
