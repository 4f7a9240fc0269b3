"""Taking the broker's records into the archive: a batch is kept in one transaction, and only once it committed
does the feed move past it, so a crash in between reads it again and the archive keeps each record once."""

from __future__ import annotations

from pathfinder.event_history.service_layer.ports import ArchiveFeed
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork


async def archive_next_batch(feed: ArchiveFeed, uow: EventHistoryUnitOfWork) -> int:
    """Keep what the feed has next; how many records it had (kept before, or now)."""
    batch = await feed.next_batch()
    if batch.events:
        async with uow:
            await uow.archive.add(batch.events)
            await uow.commit()
    if batch.next_offsets:
        await feed.commit(batch)
    return len(batch.events)
