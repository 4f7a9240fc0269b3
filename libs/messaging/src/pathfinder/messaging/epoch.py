"""Knowing whether the broker still holds what the outbox published into it.

The embedded broker keeps everything in memory: when it restarts, every topic, record and committed offset
is gone. Each relay keeps a marker topic on the broker; when the marker is missing, the broker's log was lost
(or this is a new cluster), so every outbox row still retained is published again under a new epoch token.
Consumers see the token in a header: a new token on a partition means the log they read before is gone and
they re-read it from the start (inboxes make the repeats no-ops). On Apache Kafka the marker simply stays.
"""

from __future__ import annotations

import logging
from uuid import UUID, uuid4

from pathfinder.messaging.broker import TopicAdmin, TopicSpec
from pathfinder.messaging.schema import outbox, outbox_epoch
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


def marker_topic(service: str) -> str:
    return f"pathfinder.relay-epoch.{service}"


class BrokerEpoch:
    def __init__(self, *, service: str, engine: AsyncEngine, admin: TopicAdmin, topics: list[TopicSpec]) -> None:
        self._service = service
        self._engine = engine
        self._admin = admin
        self._topics = topics
        self._marker = TopicSpec(marker_topic(service), 1, topics[0].replication_factor if topics else 1)
        self.current: UUID | None = None

    async def verify(self) -> bool:
        """Make sure the broker holds our log; True when it had lost it and the outbox was reset."""
        existing = await self._admin.existing_topics()
        if self._marker.name in existing:
            # Another relay of this service may have started a new epoch: always take the stored one.
            self.current = await self._stored_epoch() or await self._start_epoch(reset=False)
            missing = [spec for spec in self._topics if spec.name not in existing]
            if missing:
                await self._admin.ensure(missing)
            return False
        log.warning("broker has no outbox epoch marker: publishing the retained outbox again")
        self.current = await self._start_epoch(reset=True)
        await self._admin.ensure([*self._topics, self._marker])
        return True

    async def _stored_epoch(self) -> UUID | None:
        async with self._engine.connect() as connection:
            value: UUID | None = (await connection.execute(select(outbox_epoch.c.epoch))).scalar_one_or_none()
            return value

    async def _start_epoch(self, *, reset: bool) -> UUID:
        epoch = uuid4()
        async with self._engine.begin() as connection:
            # Rows first, marker after (in verify): a crash in between leaves the marker missing, so the next
            # relay resets again rather than skipping the re-publication.
            if reset:
                await connection.execute(
                    update(outbox).where(outbox.c.published_at.is_not(None)).values(published_at=None)
                )
            statement = insert(outbox_epoch).values(singleton=1, epoch=epoch)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[outbox_epoch.c.singleton],
                    set_={"epoch": epoch, "started_at": statement.excluded.started_at},
                )
            )
        return epoch
